// The socketpair between echod's two processes under systemd (monitor.hpp):
// SOCK_SEQPACKET, so every message arrives whole and in order.
//   down, once: the listening sockets (SCM_RIGHTS) with their names, whether
//               systemd passed them, whether to report, and the watchdog
//               interval;
//   up:         sd_notify messages, verbatim, for the monitor to forward.
#pragma once

#include "listen/listeners.hpp"

#include "echo/unique_fd.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace echod {

struct acceptor_start {
    std::vector<listener> listeners;
    bool socket_activated = false;
    bool notify = false; // the monitor speaks to systemd: report to it
    std::chrono::microseconds watchdog{0};
};

// A connected SOCK_SEQPACKET pair, close-on-exec; throws on failure.
void make_channel(echo::unique_fd& one_end, echo::unique_fd& other_end);

// Throws std::system_error when the message cannot be sent.
void send_start(int channel, const acceptor_start& start);
// Blocks for the start message; nothing if the monitor closed the channel
// without one (it failed to open the listeners, and says why itself).
[[nodiscard]] std::optional<acceptor_start> receive_start(int channel);

// One message; false when the other end is gone. Never blocks (EAGAIN is a
// failure too: a monitor that does not read is as good as gone).
bool send_message(int channel, const std::string& message) noexcept;
// The next message; an empty one when the other end closed, nothing when
// no message is waiting.
[[nodiscard]] std::optional<std::string> receive_message(int channel);

} // namespace echod
