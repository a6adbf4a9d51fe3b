#include "prefork/prefork_group.hpp"

#include "children/child_exit.hpp"
#include "children/fork_child.hpp"

#include "echo/error.hpp"
#include "echo/log.hpp"

#include <sys/epoll.h>

#include <cerrno>
#include <sys/wait.h>

#include <csignal>
#include <cstring>

namespace echod {
namespace {

std::vector<int> descriptors_of(const std::vector<listener>& listeners)
{
    std::vector<int> fds;
    for (const auto& l : listeners)
        fds.push_back(l.fd.get());
    return fds;
}

} // namespace

prefork_group::prefork_group(supervision& sup)
    : sup_(sup),
      pool_(sup.cfg.prefork, sup.cfg.connections_per_child, descriptors_of(sup.listeners), sup.signals),
      sessions_timeout_(sup.cfg.session.idle_timeout)
{
    reconfigured();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0;
    if (::epoll_ctl(sup_.epoll, EPOLL_CTL_ADD, pool_.wake_fd(), &ev) != 0)
        echo::throw_errno("epoll_ctl wake pipe");
}

void prefork_group::on_readable(std::uint64_t) { look_at_pool(); }

void prefork_group::look_at_pool()
{
    sup_.counts->served += pool_.collect();
    pool_.take_refusals([this](const peer_address& peer, std::uint64_t n) { refused(peer, n); });
    pool_.retire_excess();
    sup_.changed();
}

void prefork_group::refused(const peer_address& peer, std::uint64_t count)
{
    sup_.refusals.refused(child_info{source_of(peer.get()), peer, {}}, sup_.cfg.limits.max_per_source, clock::now(),
                          count);
}

bool prefork_group::on_reaped(pid_t pid, int status)
{
    if (!pool_.forget(pid, [this](const peer_address& peer, std::uint64_t n) { refused(peer, n); }))
        return false;
    report_child_end(status, sup_.serving, [pid] { return "worker pid " + std::to_string(pid); });
    // A worker that failed (it could not set itself up) would fail again at
    // once: its replacement waits out the back-off, so nothing spins.
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        sup_.back_off();
    pool_changed_ = true;
    return true;
}

void prefork_group::reconfigured()
{
    pool_.set_max_per_source(sup_.cfg.limits.max_per_source);
    // A changed idle timeout reaches the connections already open too, and
    // the idle workers' next ones.
    if (const auto timeout = sup_.cfg.session.idle_timeout; timeout != sessions_timeout_) {
        sessions_timeout_ = timeout;
        pool_.for_each_pid([timeout](pid_t pid) { retime_session(pid, timeout); });
    }
}

void prefork_group::signal_all(int signo) noexcept
{
    pool_.for_each_pid([signo](pid_t pid) { ::kill(pid, signo); });
}

void prefork_group::fill_pool()
{
    if (!sup_.serving || clock::now() < sup_.backoff_until)
        return;
    for (unsigned n = pool_.wanted(sup_.cfg.limits.max_connections); n > 0; --n) {
        const auto setup = pool_.prepare(sup_.cfg.session, &sup_.connections);
        const pid_t pid = fork_child();
        if (pid < 0) {
            pool_.abandon(setup.slot);
            sup_.fork_failures.log(echo::log_level::error, "cannot fork a prefork worker: ", std::strerror(errno),
                                   "; retrying in ", supervision::resource_backoff.count(), " ms");
            sup_.back_off();
            return;
        }
        if (pid == 0)
            run_worker(setup);
        pool_.added(pid, setup.slot);
        sup_.changed();
    }
    if (pool_.idle() == 0 && pool_.workers() >= sup_.cfg.limits.max_connections)
        sup_.log_at_limit();
}

child_group::clock::time_point prefork_group::next_deadline() const noexcept
{
    return sup_.serving && sup_.backoff_until > clock::now() ? sup_.backoff_until : clock::time_point::max();
}

void prefork_group::on_timers(clock::time_point)
{
    if (std::exchange(pool_changed_, false))
        look_at_pool();
    fill_pool();
}

void prefork_group::append_status(std::string& line) const
{
    const std::size_t idle = pool_.idle();
    line += ", " + std::to_string(idle) + (idle == 1 ? " idle worker" : " idle workers");
    if (idle == 0 && pool_.workers() >= sup_.cfg.limits.max_connections)
        line += ", at max-connections";
}

} // namespace echod
