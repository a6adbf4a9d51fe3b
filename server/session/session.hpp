// One client connection, served in a child process of its own.
#pragma once

#include "limits/peer_address.hpp"

#include <chrono>

namespace echod {

class connection_log;

struct session_options {
    std::chrono::seconds idle_timeout{0}; // as set on the listener; 0: wait for the client forever
    connection_log* log = nullptr;        // shared with the parent; null: no per-connection line
};

// The SIGTERM/SIGINT handler session children and prefork workers inherit
// (signal_policy.hpp): ends the session cleanly.
void session_stop_handler(int) noexcept;

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
