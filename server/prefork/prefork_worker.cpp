#include "prefork/prefork_worker.hpp"

#include "logging/connection_log.hpp"
#include "children/descriptors.hpp"
#include "children/signal_policy.hpp"
#include "logging/log_throttle.hpp"

#include "echo/address.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"
#include "echo/unique_fd.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

namespace echod {
namespace {

using echo::log_level;

constexpr std::uint64_t stop_token = ~0ULL;


// One byte: the parent reads the scoreboard, not the pipe. A full pipe
// (EAGAIN) already holds a wake-up, so the byte is not needed then.
void wake_parent(int fd) noexcept
{
    const char byte = 0;
    while (::write(fd, &byte, 1) < 0 && errno == EINTR) {
    }
}

void pause_briefly() noexcept
{
    timespec ts{0, 100'000'000};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR && !session_stop_requested()) {
    }
}

} // namespace

void run_worker(const worker_setup& setup)
{
    close_all_except(setup.keep_descriptors);
    // SIGUSR1 (retire) and SIGTERM/SIGINT (stop) are let through only inside
    // epoll_pwait() and, the stop signals, while serving: one that comes
    // between a check and the wait then ends the wait. See signal_policy.hpp.
    ::pthread_sigmask(SIG_SETMASK, setup.working_mask, nullptr);

    // A worker that cannot wait for clients (or for the stop) must not
    // count as a spare: it exits, and the parent logs its status and forks
    // another after its back-off.
    echo::unique_fd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) {
        echo::log(log_level::error, "worker: epoll_create1: ", std::strerror(errno));
        ::_exit(1);
    }
    const auto watch = [&epoll](int fd, std::uint32_t events, std::uint64_t token) noexcept {
        epoll_event ev{};
        ev.events = events;
        ev.data.u64 = token;
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
            echo::log(log_level::error, "worker: epoll_ctl: ", std::strerror(errno));
            ::_exit(1);
        }
    };
    // EPOLLEXCLUSIVE: a new client wakes one waiting worker, not the herd.
    for (std::size_t i = 0; i < setup.listeners.size(); ++i)
        watch(setup.listeners[i], EPOLLIN | EPOLLEXCLUSIVE, i);
    watch(setup.stop_fd, EPOLLIN, stop_token);

    log_throttle accept_failures;
    unsigned served = 0;
    for (;;) {
        if (worker_retire_requested())
            ::_exit(0);
        epoll_event events[8];
        const int n = ::epoll_pwait(epoll.get(), events, 8, -1, setup.waiting_mask);
        if (session_stop_requested())
            ::_exit(0);
        if (n < 0)
            continue; // EINTR: a retire request is looked at above
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == stop_token)
                ::_exit(0); // the parent stops (or died): no more clients
            sockaddr_storage peer{};
            socklen_t length = sizeof peer;
            const int fd = ::accept4(setup.listeners[events[i].data.u64], reinterpret_cast<sockaddr*>(&peer),
                                     &length, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINVAL)
                    ::_exit(0); // the parent stopped listening: shutting down
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    accept_failures.log(log_level::warning, "accept: ", std::strerror(errno), "; pausing 100 ms");
                    pause_briefly();
                }
                continue; // EAGAIN: another worker took it (a retire request is seen next turn)
            }
            echo::unique_fd connection(fd);
            if (setup.board->to_busy(setup.slot))
                wake_parent(setup.wake_fd);
            const auto* address = reinterpret_cast<const sockaddr*>(&peer);
            const peer_address who(address, length);
            if (!setup.sources->claim(setup.slot, source_of(address))) {
                connection.reset();
                setup.board->record_refusal(setup.slot, who);
                (void)setup.board->to_idle(setup.slot);
                wake_parent(setup.wake_fd); // the parent logs and counts every refusal
                continue;
            }
            setup.board->count_begun();
            ::pthread_sigmask(SIG_SETMASK, setup.serving_mask, nullptr);
            serve_connection(connection.get(), who, setup.session, setup.log);
            ::pthread_sigmask(SIG_SETMASK, setup.working_mask, nullptr);
            // Its line went into a summary: the parent must not sleep on it.
            if (setup.log && setup.log->take_wake_request())
                wake_parent(setup.wake_fd);
            connection.reset();
            setup.sources->release(setup.slot);
            // A retire request that came while busy is honoured now: the
            // parent no longer counts this worker among its spares.
            if (++served >= setup.connections || session_stop_requested() || worker_retire_requested())
                ::_exit(0);
            if (setup.board->to_idle(setup.slot))
                wake_parent(setup.wake_fd);
        }
    }
}

} // namespace echod
