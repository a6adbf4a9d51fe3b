// Listening and connecting TCP sockets, always close-on-exec.
#pragma once

#include "echo/address.hpp"
#include "echo/unique_fd.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace echo {

// bind()/listen() failed; error() is the errno so callers can tell EADDRINUSE
// from EACCES and pick the exit status.
class listen_error : public std::runtime_error {
public:
    listen_error(int err, const std::string& message) : std::runtime_error(message), errno_(err) {}
    [[nodiscard]] int error() const noexcept { return errno_; }

private:
    int errno_;
};

// A non-blocking, close-on-exec listening socket on `address`. The IPv6
// wildcard is made dual-stack (IPV6_V6ONLY off) so one socket takes both
// families.
[[nodiscard]] unique_fd listen_on(const socket_address& address, int backlog);

// Every address was tried and none connected; the message lists each attempt.
class connect_error : public std::runtime_error {
public:
    connect_error(bool timed_out, const std::string& message)
        : std::runtime_error(message), timed_out_(timed_out) {}
    // True when at least one attempt ran out of time and none was refused outright.
    [[nodiscard]] bool timed_out() const noexcept { return timed_out_; }

private:
    bool timed_out_;
};

// Tries each address in turn, giving each up to `timeout` (zero: no limit);
// returns a blocking, close-on-exec connected socket.
[[nodiscard]] unique_fd connect_to_any(const std::vector<socket_address>& addresses,
                                       std::chrono::milliseconds timeout);

// Disables Nagle's algorithm: an echo answers each read with one write, and
// must not wait for the peer's delayed ACK.
void set_no_delay(int fd) noexcept;

// The addresses on either end of a connected or bound socket.
[[nodiscard]] std::string local_address_of(int fd);
[[nodiscard]] std::string peer_address_of(int fd);
[[nodiscard]] unsigned local_port_of(int fd);

} // namespace echo
