// Moving a connection's bytes back to it: one write of everything each read
// returned, so short exchanges come back at once and streams in large pieces.
#pragma once

#include "logging/connection_log.hpp"

#include "echo/io.hpp"

#include <chrono>
#include <csignal>

namespace echod {

struct echo_outcome {
    unsigned long long received = 0;
    unsigned long long sent = 0;
    session_end how = session_end::client_closed;
    bool while_sending = false; // it ended in sending back (idle_timeout, reset, failed)
    int error = 0;              // with session_end::failed: the errno, for the log line
    // With session_end::idle_timeout: how long the client made no progress (measured, not the setting).
    std::chrono::nanoseconds idle{0};
};

// What a session's signal handlers share with its loop. It lives on the
// first page of the echo buffer, which the child's first read writes
// anyway: anywhere else, the child's one write per connection (the fd being
// served) would cost it a page of its own, a copy of the parent's.
struct session_signal_state {
    volatile std::sig_atomic_t stop_requested;      // zero: not yet
    volatile std::sig_atomic_t serving_fd_plus_one; // zero: no connection being served
    // Set by a reload (session.hpp): the idle timeout in seconds now in force
    // (already set on the socket), and a count of reloads the loop compares.
    volatile std::sig_atomic_t idle_timeout_seconds;
    volatile std::sig_atomic_t retimed;
};
[[nodiscard]] session_signal_state& session_signal_state_page() noexcept;

// Echoes until end of file, an error, the idle timeout, or a stop request.
// `idle_timeout` is the one set on the socket (SO_RCVTIMEO and SO_SNDTIMEO;
// 0: none): a read that waits that long fails; the echo of one read that
// cannot be handed to the kernel within it ends the connection too, however
// many short sends it took (a deadline for the client's progress, not a
// timer per call). A reload that changes the timeout (state.retimed) counts
// the deadline anew from then, with the new timeout.
[[nodiscard]] echo_outcome echo_until_done(int fd, session_signal_state& state,
                                           std::chrono::seconds idle_timeout) noexcept;

} // namespace echod
