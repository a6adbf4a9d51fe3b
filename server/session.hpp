// One client connection, served in a child process of its own.
#pragma once

#include <chrono>
#include <string>

namespace echod {

struct session_options {
    std::chrono::seconds idle_timeout{0}; // as set on the listener; 0: wait for the client forever
};

// Prepares a freshly forked child: SIGTERM/SIGINT end the session cleanly,
// SIGHUP is the parent's business.
void become_session_process() noexcept;

// True once SIGTERM or SIGINT arrived in this session process.
[[nodiscard]] bool session_stop_requested() noexcept;

// Echoes every byte from `fd` back to it until the client closes, resets,
// idles out or the server stops; logs how it ended. Returns the child's exit
// status. Does not close `fd`.
int serve_connection(int fd, const std::string& peer, const session_options& options);

} // namespace echod
