// One client connection, served in a child process of its own.
#pragma once

#include "peer_address.hpp"

#include <chrono>

namespace echod {

class connection_log;

struct session_options {
    std::chrono::seconds idle_timeout{0}; // as set on the listener; 0: wait for the client forever
    connection_log* log = nullptr;        // shared with the parent; null: no per-connection line
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
// idles out or the server stops. At level info it then writes one line: the
// peer, bytes each way, how long and how it ended (or, past the log's rate,
// counts the connection for the parent's summary). The line is formatted on
// the stack and written with one write(2); below info the clock is read only
// as the idle timeout needs it. Returns the child's exit status. Does not
// close `fd`.
int serve_connection(int fd, const peer_address& peer, const session_options& options);

} // namespace echod
