// A prefork worker: a child forked before any client arrives. It waits in
// accept() on the shared listening sockets, serves one connection at a time,
// and exits after connections_per_child of them or when the parent stops.
#pragma once

#include "session.hpp"
#include "source_table.hpp"

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace echod {

// What a worker tells the parent, one fixed-size record per write (atomic on
// a pipe, being far below PIPE_BUF).
struct worker_report {
    pid_t pid;
    std::uint32_t busy; // 1: took a connection, 0: waiting for the next
};

struct worker_setup {
    std::vector<int> listeners;
    int stop_fd = -1;   // read end of the parent's stop pipe: hangup = stop accepting
    int report_fd = -1; // write end of the report pipe
    source_table* sources = nullptr;
    unsigned slot = 0;
    unsigned connections = 1;
    session_options session;
};

// In a freshly forked worker, before signals are unblocked: SIGUSR1 from
// the parent asks an idle worker to exit (the pool has too many spares).
void become_worker_process() noexcept;

// Runs in the forked worker; never returns.
[[noreturn]] void run_worker(const worker_setup& setup);

} // namespace echod
