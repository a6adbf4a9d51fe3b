#include "monitor/monitor.hpp"

#include "monitor/control_channel.hpp"
#include "listen/listeners.hpp"
#include "monitor/notifier.hpp"
#include "proxy/proxy_listeners.hpp"
#include "children/signal_policy.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/log.hpp"

#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

namespace echod {
namespace {

using echo::log;
using echo::log_level;

pid_t wait_for(pid_t pid, int& status, int flags) noexcept
{
    pid_t r;
    do
        r = ::waitpid(pid, &status, flags);
    while (r < 0 && errno == EINTR);
    return r;
}

// The acceptor's exit status as echod's.
int exit_status_of(pid_t acceptor, int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    const int signo = WTERMSIG(status);
    log(log_level::error, "the accepting process (pid ", acceptor, ") was killed by signal ", signo, " (",
        ::strsignal(signo), ")");
    return echo::exit_status::failure;
}

} // namespace

bool under_systemd() noexcept
{
    return std::getenv("NOTIFY_SOCKET") != nullptr || std::getenv("LISTEN_FDS") != nullptr;
}

int run_monitor(const config& cfg, pid_t acceptor, echo::unique_fd channel, echo::signal_events& signals)
{
    acceptor_start start;
    try {
        start.listeners = open_listeners(cfg, start.socket_activated);
        // Checked here, before READY=1, so a --proxy-protocol address that
        // names no listener fails the start with its own status; the
        // acceptor marks its copies again (the mark does not travel).
        mark_proxy_listeners(start.listeners, cfg.proxy);
    } catch (...) {
        channel.reset(); // the acceptor sees the end and exits
        int status = 0;
        (void)wait_for(acceptor, status, 0);
        throw;
    }
    notifier systemd = notifier::to_systemd();
    start.notify = systemd.enabled();
    start.watchdog = systemd.watchdog_interval();
    send_start(channel.get(), start);
    start.listeners.clear(); // the acceptor holds them now

    // epoll, not poll(): poll() fails with EINVAL while RLIMIT_NOFILE is
    // below the number of descriptors it watches, and a passing shortage
    // must not end echod.
    const echo::unique_fd events(::epoll_create1(EPOLL_CLOEXEC));
    if (!events)
        echo::throw_errno("epoll_create1");
    for (const int fd : {signals.fd(), channel.get()}) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(events.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
            echo::throw_errno("epoll_ctl");
    }
    for (;;) {
        const auto now = notifier::clock::now();
        const auto retry = systemd.retry_at();
        const int timeout = retry == notifier::clock::time_point::max()
                                ? -1
                                : static_cast<int>(std::clamp<long long>(
                                      std::chrono::ceil<std::chrono::milliseconds>(retry - now).count(), 0, 60'000));
        epoll_event ready[2];
        if (::epoll_wait(events.get(), ready, 2, timeout) < 0 && errno != EINTR)
            echo::throw_errno("epoll_wait");
        // Both are non-blocking: look at each whatever epoll said.
        if (channel)
            while (const auto message = receive_message(channel.get())) {
                if (message->empty()) {
                    channel.reset(); // the acceptor is ending: its exit follows (closing drops it from epoll)
                    break;
                }
                systemd.forward(*message);
            }
        if (notifier::clock::now() >= systemd.retry_at())
            systemd.retry();
        while (const auto info = signals.next()) {
            if (info->ssi_signo != SIGCHLD) {
                ::kill(acceptor, static_cast<int>(info->ssi_signo));
                continue;
            }
            int status = 0;
            if (wait_for(acceptor, status, WNOHANG) == acceptor) {
                // What it said last (STOPPING=1) goes out before echod ends.
                while (channel) {
                    const auto message = receive_message(channel.get());
                    if (!message || message->empty())
                        break;
                    systemd.forward(*message);
                }
                return exit_status_of(acceptor, status);
            }
        }
    }
}

} // namespace echod
