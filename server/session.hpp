// One client connection, served in a child process of its own.
#pragma once

#include "peer_address.hpp"

#include <chrono>

namespace echod {

struct session_options {
    std::chrono::seconds idle_timeout{0}; // as set on the listener; 0: wait for the client forever
};

// Sets, in the parent, the signal actions its session children inherit:
// SIGTERM/SIGINT end a session cleanly, SIGHUP is the parent's business. The
// parent keeps these signals blocked (it reads them from a signalfd), so the
// handlers never run there; a new child only has to unblock them, which
// spares it three sigaction() calls and the page faults that come with them
// on every connection.
void install_session_signal_actions() noexcept;

// True once SIGTERM or SIGINT arrived in this session process.
[[nodiscard]] bool session_stop_requested() noexcept;

// Echoes every byte from `fd` back to it until the client closes, resets,
// idles out or the server stops; logs how it ended (at level info, and only
// then does it look at the clock or build strings). Returns the child's exit
// status. Does not close `fd`.
int serve_connection(int fd, const peer_address& peer, const session_options& options);

} // namespace echod
