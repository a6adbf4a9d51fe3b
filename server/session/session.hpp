// One client connection, served in a child process of its own.
#pragma once

#include "config/config.hpp"
#include "limits/peer_address.hpp"
#include "limits/relay.hpp"

#include <signal.h>

namespace echod {

class connection_log;

// The SIGTERM/SIGINT handler session children and prefork workers inherit
// (signal_policy.hpp): ends the session cleanly.
void session_stop_handler(int) noexcept;

// The handler of the signal a reload sends to every session process
// (signal_policy.hpp), with the new idle timeout in seconds as its value: it
// sets the timeout on the socket being served at once (so a read that
// starts after the signal waits no longer than the new timeout), and the
// loop counts the deadline anew from then. Session children and prefork
// workers inherit it.
void session_retime_handler(int, siginfo_t* info, void*) noexcept;

// True once SIGTERM or SIGINT arrived in this session process.
[[nodiscard]] bool session_stop_requested() noexcept;

// Echoes every byte from `fd` back to it until the client closes, resets,
// idles out or the server stops. At level info it then writes one line: the
// peer, bytes each way, how long and how it ended (or, past the log's rate,
// counts the connection for the parent's summary). The line is formatted on
// the stack and written with one write(2); below info the clock is read only
// as the idle timeout needs it. Returns the child's exit status. Does not
// close `fd`.
// `log`: shared with the parent; null: no per-connection line. `via`: the
// load balancer that relayed the connection (PROXY protocol), named in the
// line beside the client.
int serve_connection(int fd, const peer_address& peer, const session_settings& settings, connection_log* log,
                     const relay& via = {});

} // namespace echod
