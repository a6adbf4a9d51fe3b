// A prefork worker: a child forked before any client arrives. It waits in
// accept() on the shared listening sockets, serves one connection at a time,
// and exits after connections_per_child of them or when the parent stops.
#pragma once

#include "prefork/scoreboard.hpp"
#include "session/session.hpp"
#include "limits/source_table.hpp"

#include <signal.h>
#include <sys/types.h>

#include <span>

namespace echod {

// Views into the pool, which outlives every fork: building one per worker
// allocates nothing.
struct worker_setup {
    std::span<const int> listeners;
    std::span<const int> keep_descriptors; // sorted: everything else is closed
    const sigset_t* working_mask = nullptr; // SIGUSR1, SIGTERM, SIGINT blocked: see signal_policy.hpp
    const sigset_t* serving_mask = nullptr; // SIGUSR1 blocked, while a connection is served
    const sigset_t* waiting_mask = nullptr; // all let through, inside epoll_pwait()
    int stop_fd = -1; // read end of the parent's stop pipe: hangup = stop accepting
    int wake_fd = -1; // write end (non-blocking) of the parent's wake pipe
    source_table* sources = nullptr;
    scoreboard* board = nullptr;
    unsigned slot = 0;
    unsigned connections = 1;
    session_settings session;
    connection_log* log = nullptr; // shared with the parent
};

// Runs in the forked worker: closes what it must not hold, sets its signal
// mask, accepts and serves; never returns.
[[noreturn]] void run_worker(const worker_setup& setup);

} // namespace echod
