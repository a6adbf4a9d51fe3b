// The parent's side of --prefork: keeps `spare` workers waiting in accept()
// so that fork() is off a client's critical path, within max-connections.
#pragma once

#include "limits/flat_table.hpp"
#include "prefork/prefork_worker.hpp"
#include "prefork/scoreboard.hpp"
#include "children/signal_policy.hpp"
#include "limits/source_table.hpp"

#include "echo/unique_fd.hpp"

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace echod {

class prefork_pool {
public:
    // `listeners`: the sockets every worker accepts on; `signals`: the
    // parent's, which say the workers' masks.
    prefork_pool(unsigned spare, unsigned connections_per_child, std::vector<int> listeners,
                 const parent_signals& signals);

    // Read end of the pipe workers wake the parent through, for its epoll.
    [[nodiscard]] int wake_fd() const noexcept { return wake_read_.get(); }
    // How many workers to fork now: to bring the idle ones up to `spare`,
    // without more than `max_workers` in all.
    [[nodiscard]] unsigned wanted(unsigned max_workers) const noexcept;
    // --max-per-source for every worker, the running ones included.
    void set_max_per_source(unsigned limit) noexcept { sources_.set_limit(limit); }
    // What a new worker needs; reserves a slot (call added() or abandon()).
    // Allocates nothing: it is called for every worker forked.
    [[nodiscard]] worker_setup prepare(const session_settings& session, connection_log* log);
    void added(pid_t pid, unsigned slot);
    void abandon(unsigned slot);
    // Drains the wake pipe; returns how many connections the workers began
    // since the last call.
    unsigned collect();
    // Beyond twice `spare` idle workers, ask the extra ones to exit
    // (SIGUSR1), so the pool shrinks back after a burst without churning in
    // steady use: forking below `spare` and retiring at that same bound
    // would cost every client a fork and an exit, as if there were no pool.
    void retire_excess() noexcept;
    // Calls `refused(peer, count)` for each worker that has refused
    // connections (--max-per-source) since the last call: `count` of them,
    // the last from `peer`.
    template <typename F>
    void take_refusals(F refused)
    {
        workers_.for_each([&](pid_t, worker& w) {
            if (const auto n = new_refusals(w, false))
                refused(w.last_refused, n);
        });
    }
    // Forgets a reaped worker, after passing its last refusals to
    // `refused` as take_refusals() does; false if `pid` was not one.
    template <typename F>
    bool forget(pid_t pid, F refused)
    {
        worker* found = workers_.find(pid);
        if (!found)
            return false;
        if (const auto n = new_refusals(*found, true))
            refused(found->last_refused, n);
        forget(pid, *found);
        return true;
    }
    // Tells every worker to stop accepting: idle ones exit, busy ones finish
    // their connection first.
    void stop_accepting() noexcept { stop_write_.reset(); }

    [[nodiscard]] std::size_t workers() const noexcept { return workers_.size(); }
    [[nodiscard]] std::size_t busy() const noexcept;
    // Idle workers not asked to retire.
    [[nodiscard]] std::size_t idle() const noexcept;

    template <typename F>
    void for_each_pid(F f) const
    {
        workers_.for_each([&f](pid_t pid, const worker&) { f(pid); });
    }

private:
    struct worker {
        unsigned slot;
        bool retiring = false; // asked to exit; leaves after its connection if busy
        std::uint64_t refusals_seen = 0;
        peer_address last_refused{};
    };
    [[nodiscard]] std::uint64_t new_refusals(worker& w, bool dead) noexcept;
    void forget(pid_t pid, const worker& w);

    unsigned spare_;
    unsigned connections_per_child_;
    echo::unique_fd wake_read_, wake_write_;
    echo::unique_fd stop_read_, stop_write_;
    source_table sources_;
    scoreboard board_;
    std::vector<int> listeners_;
    std::vector<int> worker_keeps_; // listeners + the worker's pipe ends, sorted
    const parent_signals& signals_;
    flat_table<pid_t, worker, std::hash<pid_t>> workers_; // see flat_table.hpp
    std::vector<unsigned> free_slots_;
    unsigned next_slot_ = 0;
    std::uint64_t begun_seen_ = 0;
};

} // namespace echod
