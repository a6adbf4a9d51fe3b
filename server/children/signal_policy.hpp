// Who blocks, handles and inherits which signal, in each of echod's processes.
//
// Every process ignores SIGPIPE: a client that vanishes mid-write is an EPIPE
// for whoever writes to it, not a death.
//
// The monitor (under systemd) and the accepting parent never run a signal
// handler: they block SIGCHLD, SIGTERM, SIGINT and SIGHUP and read them from
// a signalfd in their event loop; the monitor forwards all but SIGCHLD to the
// parent, and the parent gets SIGTERM if the monitor dies. The parent also
// blocks SIGUSR1, which it sends and never receives.
//
// Children inherit the actions and learn the mask, so that a fork costs no
// sigaction(): the parent sets the children's actions once, and only after
// its signalfd blocks those signals, so they can never run in the parent.
// - A session child (fork per connection) unblocks everything the parent
//   blocked: SIGTERM/SIGINT end its session cleanly (the handler shuts the
//   socket down, so a signal between the check and read() is not lost),
//   SIGHUP keeps its default action (reloading is the parent's business).
// - A prefork worker takes the same actions for SIGTERM/SIGINT/SIGHUP, plus
//   SIGUSR1 (retire: the pool has too many spares). It keeps all three
//   blocked except inside epoll_pwait() (and SIGTERM/SIGINT while it
//   serves), so a request cannot land between its check and the wait.
// - Both take the session's retime handler for retime_signal() (SIGRTMIN):
//   a reload sends it, with the new idle timeout, to every session process,
//   so a lowered timeout reaches the connections already open.
// - The UDP echo child (udp/) sets its own actions (SIGTERM/SIGINT end its
//   loop, SIGHUP and SIGUSR1 ignored) and keeps the parent's mask except
//   inside epoll_pwait(), for the same reason as a worker.
#pragma once

#include "echo/signals.hpp"

#include <signal.h>
#include <sys/types.h>

#include <chrono>

namespace echod {

// In main(), before anything forks.
void set_process_wide_signals() noexcept;

// The monitor's signals; call after forking the parent, which keeps its own.
[[nodiscard]] echo::signal_events monitor_signals();

// In the parent, first thing: SIGTERM when `monitor` dies. False if it has
// died already (or the request failed).
[[nodiscard]] bool end_with_monitor(pid_t monitor) noexcept;

// In a prefork worker: SIGUSR1 came, the pool has too many spares (the
// handler that sets it is the parent's, inherited; see above).
[[nodiscard]] bool worker_retire_requested() noexcept;

// The signal a reload sends to the session processes: the first real-time
// one, which queues, so the last of two quick reloads is the one that stays.
[[nodiscard]] inline int retime_signal() noexcept { return SIGRTMIN; }
// Sends `idle_timeout` to the session process `pid` (session.hpp).
void retime_session(pid_t pid, std::chrono::seconds idle_timeout) noexcept;

// The parent's signals and the masks of its children.
class parent_signals {
public:
    // Blocks the parent's signals into a signalfd, then sets the actions its
    // children inherit; `workers`: with prefork workers (SIGUSR1).
    explicit parent_signals(bool workers);

    // The signalfd and its next pending signal.
    [[nodiscard]] int fd() const noexcept { return events_.fd(); }
    [[nodiscard]] auto next() { return events_.next(); }

    // In a session child, before it serves.
    void enter_session() const noexcept;
    // A worker's mask between its waits (SIGUSR1, SIGTERM, SIGINT blocked),
    // while it serves (SIGUSR1 blocked), and while it waits in epoll_pwait()
    // (nothing blocked the parent did not block before).
    [[nodiscard]] const sigset_t& worker_working_mask() const noexcept { return working_; }
    [[nodiscard]] const sigset_t& worker_serving_mask() const noexcept { return serving_; }
    [[nodiscard]] const sigset_t& worker_waiting_mask() const noexcept { return waiting_; }
    // The UDP child's mask while it waits in epoll_pwait(): nothing blocked
    // that the parent did not block before.
    [[nodiscard]] const sigset_t& udp_waiting_mask() const noexcept { return events_.previous_mask(); }

private:
    echo::signal_events events_;
    sigset_t working_, serving_, waiting_;
};

} // namespace echod
