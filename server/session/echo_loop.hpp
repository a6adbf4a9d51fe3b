// Moving a connection's bytes back to it: one write of everything each read
// returned, so short exchanges come back at once and streams in large pieces.
#pragma once

#include "echo/io.hpp"

#include <chrono>
#include <csignal>

namespace echod {

struct echo_outcome {
    unsigned long long received = 0;
    unsigned long long sent = 0;
    int error = 0;               // 0: the client closed its side; EAGAIN: idle timeout
    bool while_sending = false;  // the error came from sending back
    // With EAGAIN: how long the client made no progress (measured, not the setting).
    std::chrono::nanoseconds idle{0};
};

// What a session's SIGTERM/SIGINT handler shares with the child. It lives
// on the first page of the echo buffer, which the child's first read writes
// anyway: anywhere else, the child's one write per connection (the fd being
// served) would cost it a page of its own, a copy of the parent's.
struct session_signal_state {
    volatile std::sig_atomic_t stop_requested; // zero: not yet
    volatile std::sig_atomic_t serving_fd_plus_one; // zero: no connection being served
};
[[nodiscard]] session_signal_state& session_signal_state_page() noexcept;

// Echoes until end of file, an error, the idle timeout, or `stop` (then error
// is EINTR). `idle_timeout` is the one set on the socket (SO_RCVTIMEO and
// SO_SNDTIMEO; 0: none): a read that waits that long fails with EAGAIN; the
// echo of one read that cannot be handed to the kernel within it ends the
// connection too, however many short sends it took (a deadline for the
// client's progress, not a timer per call).
[[nodiscard]] echo_outcome echo_until_done(int fd, echo::stop_flag stop,
                                           std::chrono::seconds idle_timeout) noexcept;

} // namespace echod
