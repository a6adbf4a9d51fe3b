// The parent's side of --prefork: keeps `spare` workers waiting in accept()
// so that fork() is off a client's critical path, within max-connections.
#pragma once

#include "prefork_worker.hpp"
#include "source_table.hpp"

#include "echo/unique_fd.hpp"

#include "flat_table.hpp"

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <span>
#include <vector>

namespace echod {

class prefork_pool {
public:
    // `listeners`: the sockets every worker accepts on; `signal_mask`: the
    // mask a worker starts from (the parent's own blocks its signalfd's).
    prefork_pool(unsigned spare, unsigned connections_per_child, std::vector<int> listeners,
                 const sigset_t& signal_mask);

    // Read end of the workers' report pipe, for the parent's epoll.
    [[nodiscard]] int report_fd() const noexcept { return reports_read_.get(); }

    // How many workers to fork now: to bring the idle ones up to `spare`,
    // without more than `max_workers` in all.
    [[nodiscard]] unsigned wanted(unsigned max_workers) const noexcept;

    // --max-per-source for every worker, the running ones included.
    void set_max_per_source(unsigned limit) noexcept { sources_.set_limit(limit); }

    // What a new worker needs; reserves a slot (call added() or abandon()).
    // Allocates nothing: it is called for every worker forked.
    [[nodiscard]] worker_setup prepare(const session_options& session);
    void added(pid_t pid, unsigned slot);
    void abandon(unsigned slot);

    // Reads the workers' reports; returns how many connections began.
    unsigned read_reports();
    // Workers come back idle after a connection: beyond twice `spare` idle
    // ones, ask the extra ones to exit (SIGUSR1), so the pool shrinks back
    // after a burst without churning in steady use.
    void retire_excess() noexcept;
    // Forgets a reaped worker; false if `pid` was not one.
    bool forget(pid_t pid);

    // Tells every worker to stop accepting: idle ones exit, busy ones finish
    // their connection first.
    void stop_accepting() noexcept { stop_write_.reset(); }

    [[nodiscard]] std::size_t workers() const noexcept { return workers_.size(); }
    [[nodiscard]] std::size_t busy() const noexcept { return workers_.size() - idle_; }
    [[nodiscard]] std::size_t idle() const noexcept { return idle_; }
    template <typename F>
    void for_each_pid(F f) const
    {
        workers_.for_each([&f](pid_t pid, const worker&) { f(pid); });
    }

private:
    struct worker {
        unsigned slot;
        bool busy = false;
        bool retiring = false; // asked to exit; no longer counted idle
    };

    unsigned spare_;
    unsigned connections_per_child_;
    echo::unique_fd reports_read_, reports_write_;
    echo::unique_fd stop_read_, stop_write_;
    source_table sources_;
    std::vector<int> listeners_;
    std::vector<int> worker_keeps_; // listeners + the worker's pipe ends, sorted
    sigset_t signal_mask_;
    flat_table<pid_t, worker, std::hash<pid_t>> workers_; // see flat_table.hpp
    std::size_t idle_ = 0;
    std::vector<unsigned> free_slots_;
    unsigned next_slot_ = 0;
};

} // namespace echod
