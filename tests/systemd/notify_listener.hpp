// Plays systemd's part of the sd_notify protocol: an AF_UNIX datagram socket
// whose path a daemon gets as NOTIFY_SOCKET.
#pragma once

#include "process.hpp"

#include "echo/unique_fd.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace test {

class notify_listener {
public:
    notify_listener();

    // "NOTIFY_SOCKET=/tmp/.../notify", for the daemon's environment.
    [[nodiscard]] std::string environment() const { return "NOTIFY_SOCKET=" + path_.string(); }

    // The next datagram, or nothing by the deadline.
    [[nodiscard]] std::optional<std::string> next(std::chrono::milliseconds deadline = 10s);

    // Reads datagrams until one contains `field` (e.g. "READY=1"); returns it.
    // Every datagram read on the way is kept in seen().
    [[nodiscard]] std::optional<std::string> wait_for(const std::string& field,
                                                      std::chrono::milliseconds deadline = 10s);

    [[nodiscard]] const std::vector<std::string>& seen() const noexcept { return seen_; }

private:
    temp_dir dir_;
    std::filesystem::path path_;
    echo::unique_fd fd_;
    std::vector<std::string> seen_;
};

// True if `message` holds `field` as one of its newline-separated lines.
[[nodiscard]] bool has_field(const std::string& message, const std::string& field);
// The value of NAME= in `message`, if present.
[[nodiscard]] std::optional<std::string> field_value(const std::string& message, const std::string& name);

} // namespace test
