#include "acceptor/supervisor.hpp"

#include "acceptor/fork_per_connection.hpp"
#include "prefork/prefork_group.hpp"
#include "proxy/proxy_listeners.hpp"

#include "echo/error.hpp"
#include "echo/log.hpp"
#include "echo/version.hpp"

#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <csignal>
#include <cstring>

namespace echod {
namespace {

using namespace std::chrono_literals;
using echo::log;
using echo::log_level;

// Status lines for systemd at most this often.
constexpr auto status_interval = 250ms;
// After the grace period children get SIGTERM, then this long before SIGKILL.
constexpr auto terminate_grace = 2s;

std::string plural(std::size_t n, const char* word)
{
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

} // namespace

supervisor::supervisor(config cfg, std::vector<listener> listeners, const command_line& cli, bool socket_activated,
                       notifier notify)
    : cfg_(std::move(cfg)),
      cli_(cli),
      socket_activated_(socket_activated),
      listeners_(std::move(listeners)),
      signals_(cfg_.prefork > 0),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      notify_(std::move(notify)),
      connection_log_(cfg_.connection_log_rate),
      sup_(cfg_, listeners_, signals_, epoll_.get(), connection_log_, [this] { reap_children(); },
           notify_.enabled()),
      // Before the TCP options below: they would fail on a datagram socket.
      udp_(udp::take_datagram_sockets(listeners_), cfg_.udp, signals_.udp_waiting_mask())
{
    if (!epoll_)
        echo::throw_errno("epoll_create1");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = supervision::signal_token;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, signals_.fd(), &ev) != 0)
        echo::throw_errno("epoll_ctl signalfd");
    set_connection_options(listeners_, cfg_.session.idle_timeout);
    mark_proxy_listeners(listeners_, cfg_.proxy);
    if (cfg_.prefork > 0)
        tcp_ = std::make_unique<prefork_group>(sup_);
    else
        tcp_ = std::make_unique<fork_per_connection>(sup_);
    groups_.push_back(tcp_.get());
    groups_.push_back(&udp_);
}

int supervisor::run()
{
    on_timers(clock::now()); // the first workers and the UDP child, the listeners watched
    log(log_level::notice, "echod ", echo::version, " listening on ", describe(listeners_),
        socket_activated_ ? " (sockets from systemd)" : "");
    notify_.ready(status_line());
    status_sent_ = clock::now();
    if (notify_.watchdog_interval().count() > 0)
        next_watchdog_ = clock::now();

    // The event loop starts at the top of a stack page. Every page of its
    // stack the parent writes while a child lives becomes that child's own
    // copy (the write faults and gives the parent a fresh page), so each held
    // connection costs as many pages as the loop's stack spans. What the
    // loop and a fork call take is well under a page, but from an arbitrary
    // offset it usually spans two: 4 KiB more per held connection.
    const long page = ::sysconf(_SC_PAGESIZE);
    const auto here = reinterpret_cast<std::uintptr_t>(__builtin_alloca(16));
    auto* const to_page_top = static_cast<volatile char*>(__builtin_alloca(here % static_cast<std::uintptr_t>(page) + 64));
    to_page_top[0] = 0; // used, so not optimized away
    return serve_until_done();
}

int supervisor::serve_until_done()
{
    epoll_event events[32];
    while (phase_ == phase::serving || live_children() > 0) {
        const int n = ::epoll_wait(epoll_.get(), events, 32, wait_timeout_ms(clock::now()));
        if (n < 0 && errno != EINTR)
            echo::throw_errno("epoll_wait");
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == supervision::signal_token)
                handle_signals();
            else
                tcp_->on_readable(events[i].data.u64);
        }
        on_timers(clock::now());
    }
    connection_log_.summarize(clock::now(), true);
    sup_.refusals.flush_ended(clock::now(), cfg_.limits.max_per_source, true);
    log(log_level::notice, "stopped after serving ", plural(sup_.counts->served, "connection"));
    return 0;
}

void supervisor::handle_signals()
{
    while (const auto info = signals_.next()) {
        switch (info->ssi_signo) {
        case SIGCHLD:
            // Signals do not queue: one SIGCHLD may stand for many children.
            // What their end allows (serve, accept, fork) follows in on_timers().
            reap_children();
            break;
        case SIGHUP:
            reload();
            break;
        case SIGTERM:
        case SIGINT:
            begin_shutdown(static_cast<int>(info->ssi_signo));
            break;
        default:
            break;
        }
    }
}

void supervisor::reap_children()
{
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid == 0)
            break;
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break; // ECHILD: none left
        }
        sup_.changed();
        for (auto* group : groups_)
            if (group->on_reaped(pid, status))
                break;
    }
}

void supervisor::reload()
{
    notify_.reloading();
    log(log_level::notice, "reloading configuration from ", cfg_.config_path);
    try {
        config next = load_config(cli_);
        if (!socket_activated_ && (next.listen != cfg_.listen || next.backlog != cfg_.backlog))
            log(log_level::warning, "listen addresses and backlog change only on restart; still listening on ",
                describe(listeners_));
        if (!socket_activated_ && next.listen_udp != cfg_.listen_udp)
            log(log_level::warning, "listen-udp addresses change only on restart");
        if (next.udp != cfg_.udp)
            log(log_level::warning, "udp-* rate limits change only on restart");
        if (next.prefork != cfg_.prefork || next.connections_per_child != cfg_.connections_per_child)
            log(log_level::warning, "prefork settings change only on restart");
        if (next.proxy.listeners != cfg_.proxy.listeners)
            log(log_level::warning, "proxy-protocol listeners change only on restart; proxy-from and "
                                    "proxy-timeout change now");
        // The one step that can fail comes before anything changes, so that
        // "keeping the running configuration" stays true when it throws.
        if (next.session.idle_timeout != cfg_.session.idle_timeout) {
            try {
                set_connection_options(listeners_, next.session.idle_timeout);
            } catch (...) {
                try { // the listeners set before the failing one
                    set_connection_options(listeners_, cfg_.session.idle_timeout);
                } catch (...) {
                }
                throw;
            }
        }
        echo::logging::set_threshold(next.log_level);
        cfg_.log_level = next.log_level;
        cfg_.limits = next.limits;
        cfg_.session = next.session;
        cfg_.connection_log_rate = next.connection_log_rate;
        cfg_.proxy.trusted = next.proxy.trusted;
        cfg_.proxy.header_timeout = next.proxy.header_timeout;
        connection_log_.set_rate(cfg_.connection_log_rate);
        log(log_level::notice, "configuration reloaded: log-level ", echo::to_string(cfg_.log_level),
            ", max-connections ", cfg_.limits.max_connections, ", max-per-source ", cfg_.limits.max_per_source,
            ", idle-timeout ", cfg_.session.idle_timeout.count(), " s (open connections too), shutdown-timeout ",
            cfg_.limits.shutdown_timeout.count(), " s, connection-log-rate ", cfg_.connection_log_rate);
    } catch (const std::exception& e) {
        log(log_level::error, "reload failed, keeping the running configuration: ", e.what());
    }
    for (auto* group : groups_)
        group->reconfigured();
    notify_.ready(status_line());
    status_sent_ = clock::now();
    sup_.counts->status_changed = false;
}

void supervisor::begin_shutdown(int signo)
{
    if (phase_ != phase::serving) {
        // A second request: do not wait for the grace period.
        escalate();
        return;
    }
    phase_ = phase::draining;
    sup_.serving = false;
    // New clients are refused at once; closing also removes them from epoll.
    stop_listening(listeners_);
    for (auto* group : groups_)
        group->stop();
    phase_deadline_ = clock::now() + cfg_.limits.shutdown_timeout;
    log(log_level::notice, "received ", ::sigabbrev_np(signo) ? ::sigabbrev_np(signo) : "signal", ": shutting down; ",
        open_connections() == 0 ? std::string("no connections open")
                                : plural(open_connections(), "connection") + " get " +
                                std::to_string(cfg_.limits.shutdown_timeout.count()) + " s to finish");
    notify_.stopping("Shutting down, " + plural(open_connections(), "connection") + " open");
    if (cfg_.limits.shutdown_timeout.count() == 0)
        escalate();
}

void supervisor::escalate()
{
    if (live_children() == 0)
        return;
    const int signo = phase_ == phase::draining ? SIGTERM : SIGKILL;
    phase_ = phase_ == phase::draining ? phase::terminating : phase::killing;
    phase_deadline_ = clock::now() + terminate_grace;
    log(log_level::notice, "ending ", plural(open_connections(), "connection"), " with SIG",
        signo == SIGTERM ? "TERM" : "KILL");
    for (auto* group : groups_)
        group->signal_all(signo);
}

std::size_t supervisor::live_children() const noexcept
{
    std::size_t n = 0;
    for (const auto* group : groups_)
        n += group->live();
    return n;
}

std::size_t supervisor::open_connections() const noexcept
{
    std::size_t n = 0;
    for (const auto* group : groups_)
        n += group->open();
    return n;
}

void supervisor::on_timers(clock::time_point now)
{
    for (auto* group : groups_)
        group->on_timers(now);
    sup_.refusals.flush_ended(now, cfg_.limits.max_per_source);
    if (phase_ != phase::serving && phase_ != phase::killing && now >= phase_deadline_)
        escalate();
    if (now >= notify_.retry_at())
        notify_.retry();
    if (notify_.watchdog_interval().count() > 0 && now >= next_watchdog_) {
        notify_.watchdog_ping();
        next_watchdog_ = now + notify_.watchdog_interval() / 2;
    }
    (void)connection_log_.summary_due(now);
    connection_log_.summarize(now);
    if (sup_.counts->status_changed && now >= status_sent_ + status_interval) {
        notify_.status(status_line());
        status_sent_ = now;
        sup_.counts->status_changed = false;
    }
}

int supervisor::wait_timeout_ms(clock::time_point now) const
{
    auto next = clock::time_point::max();
    for (const auto* group : groups_)
        next = std::min(next, group->next_deadline());
    if (phase_ == phase::draining || phase_ == phase::terminating)
        next = std::min(next, phase_deadline_);
    if (notify_.watchdog_interval().count() > 0)
        next = std::min(next, next_watchdog_);
    if (sup_.counts->status_changed)
        next = std::min(next, status_sent_ + status_interval);
    if (const auto summary = connection_log_.pending_summary())
        next = std::min(next, *summary);
    next = std::min(next, sup_.refusals.next_due());
    next = std::min(next, notify_.retry_at());
    if (next == clock::time_point::max())
        return -1;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, 60'000));
}

std::string supervisor::status_line() const
{
    if (phase_ != phase::serving)
        return "Shutting down, " + plural(open_connections(), "connection") + " open";
    std::string line = "Serving " + plural(open_connections(), "connection") + ", " + std::to_string(sup_.counts->served) +
                       " served, " + std::to_string(sup_.refusals.total()) + " refused";
    tcp_->append_status(line);
    line += ", listening on " + describe(listeners_);
    udp_.append_status(line);
    return line;
}

} // namespace echod
