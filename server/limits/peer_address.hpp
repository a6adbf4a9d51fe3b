// A client's address as accept() gave it. It is formatted only when a log
// line needs it: the parent handles thousands of connections a second and
// must not spend a string allocation on each one it never reports.
#pragma once

#include "echo/address.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace echod {

class peer_address {
public:
    peer_address() = default;
    peer_address(const sockaddr* address, socklen_t length) noexcept
        : length_(std::min<socklen_t>(length, sizeof storage_))
    {
        std::memcpy(&storage_, address, length_);
    }

    [[nodiscard]] const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
    [[nodiscard]] socklen_t length() const noexcept { return length_; }
    [[nodiscard]] std::string to_string() const { return echo::to_string(get(), length_); }

private:
    sockaddr_in6 storage_{}; // the larger of the two families served
    socklen_t length_ = 0;
};

} // namespace echod
