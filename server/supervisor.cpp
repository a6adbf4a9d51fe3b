#include "supervisor.hpp"

#include "descriptors.hpp"
#include "fork_child.hpp"
#include "session.hpp"

#include "echo/address.hpp"
#include "echo/child_path.hpp"
#include "echo/error.hpp"
#include "echo/log.hpp"
#include "echo/version.hpp"

#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace echod {
namespace {

using namespace std::chrono_literals;
using echo::log;
using echo::log_level;

// epoll user data for the signalfd and the prefork wake pipe; listeners use their index.
constexpr std::uint64_t signal_token = ~0ULL;
constexpr std::uint64_t wake_token = ~1ULL;

// Status lines for systemd at most this often.
constexpr auto status_interval = 250ms;
// How long accept() pauses after running out of descriptors or memory, and
// after fork() fails: long enough not to spin, short enough to recover fast.
constexpr auto resource_backoff = 100ms;
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
      // SIGUSR1 is for prefork workers (retire); blocked here, where its
      // handler, inherited by the workers, must not run. The parent ignores it.
      signals_({SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1}),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      notify_(std::move(notify)),
      connection_log_(cfg_.connection_log_rate),
      udp_(udp::take_datagram_sockets(listeners_), cfg_.udp, signals_.previous_mask())
{
    if (!epoll_)
        echo::throw_errno("epoll_create1");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = signal_token;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, signals_.fd(), &ev) != 0)
        echo::throw_errno("epoll_ctl signalfd");
    // Only now that signals_ blocks them: inherited by every child, never run here.
    install_session_signal_actions();
    set_connection_options(listeners_, cfg_.limits.idle_timeout);
    if (cfg_.prefork > 0) {
        std::vector<int> listening;
        for (const auto& l : listeners_)
            listening.push_back(l.fd.get());
        pool_ = std::make_unique<prefork_pool>(cfg_.prefork, cfg_.connections_per_child, std::move(listening),
                                               signals_.previous_mask());
        install_worker_signal_actions();
        pool_->set_max_per_source(cfg_.limits.max_per_source);
        ev.data.u64 = wake_token;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, pool_->wake_fd(), &ev) != 0)
            echo::throw_errno("epoll_ctl wake pipe");
    }
}

int supervisor::run()
{
    update_accepting();
    fill_pool();
    udp_.start();
    log(log_level::notice, "echod ", echo::version, " listening on ", describe(listeners_),
        socket_activated_ ? " (sockets from systemd)" : "");
    notify_.ready(status_line());
    status_sent_ = clock::now();
    if (notify_.watchdog_interval().count() > 0)
        next_watchdog_ = clock::now();

    epoll_event events[32];
    while (phase_ == phase::serving || live_children() > 0 || udp_.live() > 0) {
        const int n = ::epoll_wait(epoll_.get(), events, 32, wait_timeout_ms(clock::now()));
        if (n < 0 && errno != EINTR)
            echo::throw_errno("epoll_wait");
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == signal_token) {
                handle_signals();
            } else if (events[i].data.u64 == wake_token) {
                look_at_pool();
                fill_pool();
            }
            else if (events[i].data.u64 < listeners_.size() && accepting_)
                accept_from(listeners_[events[i].data.u64]);
        }
        on_timers(clock::now());
    }
    connection_log_.summarize(clock::now(), true);
    refusals_.flush_ended(clock::now(), cfg_.limits.max_per_source, true);
    log(log_level::notice, "stopped after serving ", plural(served_, "connection"));
    return 0;
}

void supervisor::accept_from(listener& l)
{
    // A bounded batch, so signals and other listeners get their turn in a flood.
    for (int batch = 0; batch < 64 && accepting_; ++batch) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        // Blocking (for the child's simple I/O loop) and close-on-exec.
        const int fd = ::accept4(l.fd.get(), reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
        if (fd < 0) {
            switch (errno) {
            case EAGAIN:
                return;
            case EINTR:
            case ECONNABORTED:
            case EPROTO:
            // Linux reports pending network errors of the new socket from accept().
            case ENETDOWN: case ENOPROTOOPT: case EHOSTDOWN: case ENONET:
            case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH:
                continue;
            case EMFILE:
            case ENFILE:
            case ENOBUFS:
            case ENOMEM:
                // The connection stays in the backlog; retrying at once would spin.
                accept_failures_.log(log_level::warning, "accept on ", l.name, ": ", std::strerror(errno),
                                     "; pausing accept for ", resource_backoff.count(), " ms");
                back_off(resource_backoff);
                return;
            default:
                accept_failures_.log(log_level::error, "accept on ", l.name, ": ", std::strerror(errno));
                back_off(resource_backoff);
                return;
            }
        }
        start_session(echo::unique_fd(fd), peer, length);
    }
}

ECHO_CHILD_PATH void supervisor::start_session(echo::unique_fd connection, const sockaddr_storage& peer,
                                               socklen_t length)
{
    const auto* address = reinterpret_cast<const sockaddr*>(&peer);
    const child_info child{source_of(address), peer_address(address, length)};
    if (at_source_limit(child.source)) [[unlikely]] {
        hold_back(std::move(connection), child);
        return;
    }
    spawn_session(std::move(connection), child);
}

ECHO_CHILD_PATH void supervisor::spawn_session(echo::unique_fd connection, const child_info& child)
{
    // `connection` is the parent's copy: it is closed when this function
    // returns, whatever happens, so the child alone holds the socket.
    // Nothing here allocates: see flat_table.hpp.
    const pid_t pid = fork_child();
    if (pid < 0) {
        fork_failures_.log(log_level::error, "cannot fork to serve ", child.peer.to_string(), ": ",
                           std::strerror(errno), "; connection closed, pausing accept for ",
                           resource_backoff.count(), " ms");
        back_off(resource_backoff);
        return;
    }
    if (pid == 0)
        run_child(connection.get(), child.peer);

    children_.add(pid, child);
    ++served_;
    mark_status_changed();
    update_accepting();
}

bool supervisor::at_source_limit(const source_key& source) const noexcept
{
    return cfg_.limits.max_per_source > 0 && children_.connections_from(source) >= cfg_.limits.max_per_source;
}

void supervisor::hold_back(echo::unique_fd connection, const child_info& child)
{
    // Children that have exited still count until they are reaped.
    reap_children();
    if (!at_source_limit(child.source) && children_.size() < cfg_.limits.max_connections) {
        spawn_session(std::move(connection), child);
        return;
    }
    if (waiting_.full()) {
        refuse(child);
        return;
    }
    waiting_.admit(std::move(connection), child, clock::now());
}

void supervisor::serve_waiting()
{
    if (waiting_.empty() || phase_ != phase::serving)
        return;
    waiting_.serve_those(
        [this](const child_info& who) {
            return !at_source_limit(who.source) && children_.size() < cfg_.limits.max_connections &&
                   clock::now() >= backoff_until_;
        },
        [this](waiting_room::guest g) { spawn_session(std::move(g.connection), g.who); });
    waiting_.refuse_expired(
        clock::now(), [this](const child_info& who) { return at_source_limit(who.source); },
        [this](waiting_room::guest g) { refuse(g.who); });
}

void supervisor::refuse(const child_info& child)
{
    refusals_.refused(child, cfg_.limits.max_per_source, clock::now());
    mark_status_changed();
}

ECHO_CHILD_PATH void supervisor::run_child(int connection, const peer_address& peer)
{
    // The child keeps its connection and stdio, nothing else: every listening
    // socket (and the signalfd) is closed here, so a listener dies with the
    // parent alone.
    const int keep[] = {connection};
    close_all_except(keep);
    // The signal actions were set in the parent; unblocking is all that is left.
    ::pthread_sigmask(SIG_SETMASK, &signals_.previous_mask(), nullptr);
    // No return into the parent's stack: _exit skips destructors of objects
    // whose descriptors are already gone.
    ::_exit(serve_connection(connection, peer, session_options{cfg_.limits.idle_timeout, &connection_log_}));
}

void supervisor::handle_signals()
{
    while (const auto info = signals_.next()) {
        switch (info->ssi_signo) {
        case SIGCHLD:
            look_at_pool();
            // Signals do not queue: one SIGCHLD may stand for many children.
            reap_children();
            serve_waiting();
            update_accepting();
            fill_pool();
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
        mark_status_changed();
        if (udp_.on_reaped(pid, status))
            continue;
        const bool expected_kill = phase_ != phase::serving && WIFSIGNALED(status) &&
                                   (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL);
        child_info info;
        const bool session = children_.remove(pid, info);
        if (!session && !(pool_ && pool_->forget(pid)))
            continue;
        const bool killed = WIFSIGNALED(status) && !expected_kill;
        const bool failed = WIFEXITED(status) && WEXITSTATUS(status) != 0;
        if (!killed && !failed)
            continue; // the common case: no string is built
        const std::string who = session ? "pid " + std::to_string(pid) + " serving " + info.peer.to_string()
                                        : "worker pid " + std::to_string(pid);
        if (killed)
            log(log_level::warning, who, " was killed by signal ", WTERMSIG(status), " (",
                ::strsignal(WTERMSIG(status)), ")");
        else
            log(log_level::warning, who, " exited with status ", WEXITSTATUS(status));
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
        echo::logging::set_threshold(next.log_level);
        cfg_.log_level = next.log_level;
        cfg_.limits = next.limits;
        cfg_.connection_log_rate = next.connection_log_rate;
        connection_log_.set_rate(cfg_.connection_log_rate);
        set_connection_options(listeners_, cfg_.limits.idle_timeout);
        if (pool_)
            pool_->set_max_per_source(cfg_.limits.max_per_source);
        log(log_level::notice, "configuration reloaded: log-level ", echo::to_string(cfg_.log_level),
            ", max-connections ", cfg_.limits.max_connections, ", max-per-source ", cfg_.limits.max_per_source,
            ", idle-timeout ", cfg_.limits.idle_timeout.count(), " s, shutdown-timeout ",
            cfg_.limits.shutdown_timeout.count(), " s, connection-log-rate ", cfg_.connection_log_rate);
    } catch (const std::exception& e) {
        log(log_level::error, "reload failed, keeping the running configuration: ", e.what());
    }
    serve_waiting();
    update_accepting();
    notify_.ready(status_line());
    status_sent_ = clock::now();
    status_changed_ = false;
}

void supervisor::begin_shutdown(int signo)
{
    if (phase_ != phase::serving) {
        // A second request: do not wait for the grace period.
        escalate();
        return;
    }
    phase_ = phase::draining;
    // New clients are refused at once; closing also removes them from epoll.
    stop_listening(listeners_);
    udp_.signal_all(SIGTERM);
    waiting_.clear();
    accepting_ = false;
    if (pool_)
        pool_->stop_accepting();
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
    if (live_children() == 0 && udp_.live() == 0)
        return;
    const int signo = phase_ == phase::draining ? SIGTERM : SIGKILL;
    phase_ = phase_ == phase::draining ? phase::terminating : phase::killing;
    phase_deadline_ = clock::now() + terminate_grace;
    log(log_level::notice, "ending ", plural(open_connections(), "connection"), " with SIG",
        signo == SIGTERM ? "TERM" : "KILL");
    const auto end = [signo](pid_t pid) { ::kill(pid, signo); };
    children_.for_each_pid(end);
    if (pool_)
        pool_->for_each_pid(end);
    udp_.signal_all(signo);
}

void supervisor::fill_pool()
{
    if (!pool_ || phase_ != phase::serving || clock::now() < backoff_until_)
        return;
    for (unsigned n = pool_->wanted(cfg_.limits.max_connections); n > 0; --n) {
        const auto setup = pool_->prepare({cfg_.limits.idle_timeout, &connection_log_});
        const pid_t pid = fork_child();
        if (pid < 0) {
            pool_->abandon(setup.slot);
            fork_failures_.log(log_level::error, "cannot fork a prefork worker: ", std::strerror(errno),
                               "; retrying in ", resource_backoff.count(), " ms");
            backoff_until_ = clock::now() + resource_backoff;
            return;
        }
        if (pid == 0)
            run_worker(setup);
        pool_->added(pid, setup.slot);
        mark_status_changed();
    }
    if (pool_->idle() == 0 && pool_->workers() >= cfg_.limits.max_connections)
        at_limit_.log(log_level::notice, "max-connections (", cfg_.limits.max_connections,
                      ") reached: new clients wait in the listen backlog");
}

void supervisor::look_at_pool()
{
    if (!pool_)
        return;
    served_ += pool_->collect();
    pool_->retire_excess();
    mark_status_changed();
}

std::size_t supervisor::live_children() const noexcept
{
    return children_.size() + (pool_ ? pool_->workers() : 0);
}

std::size_t supervisor::open_connections() const noexcept
{
    return children_.size() + (pool_ ? pool_->busy() : 0);
}

void supervisor::back_off(std::chrono::milliseconds how_long)
{
    backoff_until_ = clock::now() + how_long;
    update_accepting();
}

void supervisor::update_accepting()
{
    // With a prefork pool the workers accept; the parent never does.
    bool at_limit = children_.size() >= cfg_.limits.max_connections;
    if (at_limit && phase_ == phase::serving) {
        // Children that have exited hold no connection: pause only for real ones.
        reap_children();
        at_limit = children_.size() >= cfg_.limits.max_connections;
    }
    const bool want = !pool_ && phase_ == phase::serving && !at_limit && clock::now() >= backoff_until_;
    if (want == accepting_)
        return;
    if (at_limit && phase_ == phase::serving)
        at_limit_.log(log_level::notice, "max-connections (", cfg_.limits.max_connections,
                      ") reached: new clients wait in the listen backlog");
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (::epoll_ctl(epoll_.get(), want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listeners_[i].fd.get(), &ev) != 0)
            echo::throw_errno("epoll_ctl listener " + listeners_[i].name);
    }
    accepting_ = want;
}

void supervisor::on_timers(clock::time_point now)
{
    serve_waiting();
    udp_.on_timers(now);
    refusals_.flush_ended(now, cfg_.limits.max_per_source);
    if (!accepting_ && phase_ == phase::serving && now >= backoff_until_) {
        update_accepting();
        fill_pool();
    }
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
    if (status_changed_ && now >= status_sent_ + status_interval) {
        notify_.status(status_line());
        status_sent_ = now;
        status_changed_ = false;
    }
}

int supervisor::wait_timeout_ms(clock::time_point now) const
{
    auto next = clock::time_point::max();
    if (!accepting_ && phase_ == phase::serving && backoff_until_ > now)
        next = std::min(next, backoff_until_);
    if (phase_ == phase::draining || phase_ == phase::terminating)
        next = std::min(next, phase_deadline_);
    if (notify_.watchdog_interval().count() > 0)
        next = std::min(next, next_watchdog_);
    if (status_changed_)
        next = std::min(next, status_sent_ + status_interval);
    if (const auto summary = connection_log_.pending_summary())
        next = std::min(next, *summary);
    next = std::min(next, waiting_.next_deadline());
    next = std::min(next, refusals_.next_due());
    next = std::min(next, notify_.retry_at());
    next = std::min(next, udp_.next_deadline());
    if (next == clock::time_point::max())
        return -1;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, 60'000));
}

void supervisor::mark_status_changed()
{
    if (notify_.enabled())
        status_changed_ = true;
}

std::string supervisor::status_line() const
{
    if (phase_ != phase::serving)
        return "Shutting down, " + plural(open_connections(), "connection") + " open";
    const auto refused = refusals_.total() + (pool_ ? pool_->refused() : 0);
    std::string line = "Serving " + plural(open_connections(), "connection") + ", " + std::to_string(served_) +
                       " served, " + std::to_string(refused) + " refused";
    if (pool_)
        line += ", " + plural(pool_->idle(), "idle worker");
    if (live_children() >= cfg_.limits.max_connections && (!pool_ || pool_->idle() == 0))
        line += ", at max-connections";
    line += ", listening on " + describe(listeners_);
    udp_.append_status(line);
    return line;
}

} // namespace echod
