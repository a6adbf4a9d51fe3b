#include "children/signal_policy.hpp"

#include "session/session.hpp"


#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

namespace echod {
namespace {

// Set by SIGUSR1 in a prefork worker: the parent has more idle workers than it wants.
volatile std::sig_atomic_t retire_requested = 0;

void worker_retire_handler(int) noexcept { retire_requested = 1; }

} // namespace

bool worker_retire_requested() noexcept { return retire_requested != 0; }

void set_process_wide_signals() noexcept { echo::ignore_sigpipe(); }

echo::signal_events monitor_signals() { return echo::signal_events({SIGCHLD, SIGTERM, SIGINT, SIGHUP}); }

bool end_with_monitor(pid_t monitor) noexcept
{
    // Checked after the request: the monitor may have died before it.
    return ::prctl(PR_SET_PDEATHSIG, SIGTERM) == 0 && ::getppid() == monitor;
}

void retime_session(pid_t pid, std::chrono::seconds idle_timeout) noexcept
{
    sigval value{};
    value.sival_int = static_cast<int>(idle_timeout.count());
    ::sigqueue(pid, retime_signal(), value);
}

parent_signals::parent_signals(bool workers)
    : events_({SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, retime_signal()}),
      working_(events_.previous_mask()),
      serving_(events_.previous_mask()),
      waiting_(events_.previous_mask())
{
    // Only now that events_ blocks them: inherited by every child, never run here.
    echo::interrupt_on(SIGTERM, session_stop_handler);
    echo::interrupt_on(SIGINT, session_stop_handler);
    echo::default_action(SIGHUP);
    echo::interrupt_on(retime_signal(), session_retime_handler);
    if (workers)
        echo::interrupt_on(SIGUSR1, worker_retire_handler);
    for (const int signo : {SIGUSR1, SIGTERM, SIGINT})
        sigaddset(&working_, signo);
    sigaddset(&serving_, SIGUSR1);
}

void parent_signals::enter_session() const noexcept
{
    ::pthread_sigmask(SIG_SETMASK, &events_.previous_mask(), nullptr);
}

} // namespace echod
