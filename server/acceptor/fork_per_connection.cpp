#include "acceptor/fork_per_connection.hpp"

#include "children/child_exit.hpp"
#include "children/descriptors.hpp"
#include "children/fork_child.hpp"
#include "limits/parent_only_allocator.hpp"

#include "echo/child_path.hpp"
#include "echo/error.hpp"
#include "echo/log.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>

namespace echod {

using echo::log_level;

void* fork_per_connection::operator new(std::size_t bytes)
{
    return parent_only_allocator<std::byte>().allocate(bytes);
}

void fork_per_connection::operator delete(void* object, std::size_t bytes) noexcept
{
    parent_only_allocator<std::byte>().deallocate(static_cast<std::byte*>(object), bytes);
}

void fork_per_connection::on_readable(std::uint64_t token)
{
    if (header_wait::owns(token))
        on_header(token);
    else if (accepting_ && token < sup_.listeners.size())
        accept_from(sup_.listeners[token]);
}

void fork_per_connection::accept_from(listener& l)
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
                                     "; pausing accept for ", supervision::resource_backoff.count(), " ms");
                back_off();
                return;
            default:
                accept_failures_.log(log_level::error, "accept on ", l.name, ": ", std::strerror(errno));
                back_off();
                return;
            }
        }
        const auto* address = reinterpret_cast<const sockaddr*>(&peer);
        if (l.proxy) [[unlikely]] {
            await_header(echo::unique_fd(fd), peer_address(address, length));
            continue;
        }
        start_session(echo::unique_fd(fd), child_info{source_of(address), peer_address(address, length), {}});
    }
}

void fork_per_connection::await_header(echo::unique_fd connection, const peer_address& balancer)
{
    const auto& trusted = sup_.cfg.proxy.trusted;
    if (std::none_of(trusted.begin(), trusted.end(), [&](const cidr& c) { return contains(c, balancer.get()); })) {
        proxy_refused_.untrusted(balancer); // and closed: a header from it could forge any address
        sup_.changed();
        return;
    }
    if (headers_.full()) {
        proxy_refused_.too_many_waiting(balancer);
        sup_.changed();
        return;
    }
    try {
        headers_.admit(std::move(connection), balancer, clock::now() + sup_.cfg.proxy.header_timeout);
    } catch (const std::system_error& e) {
        // epoll out of memory (ENOMEM, ENOSPC): this connection is closed, the loop goes on.
        accept_failures_.log(log_level::warning, e.what(), "; connection closed");
        return;
    }
    update_accepting(); // it holds a place under max-connections
}

void fork_per_connection::on_header(std::uint64_t token)
{
    auto r = headers_.on_readable(token);
    if (r.what == header_wait::result::waiting)
        return;
    if (r.what == header_wait::result::failed) {
        proxy_refused_.failed(r);
        sup_.changed();
        update_accepting();
        return;
    }
    // LOCAL (a health check) and UNKNOWN carry no client: the balancer is served as itself.
    child_info child{source_of(r.balancer.get()), r.balancer, relay{relay_kind::unknown, r.balancer}};
    if (r.header.command == echo::proxy::command::local) {
        child.relay.kind = relay_kind::local;
    } else if (r.header.family != echo::proxy::family::unknown) {
        const auto& client = r.header.source;
        child = {source_of(client.get()), peer_address(client.get(), client.length),
                 relay{relay_kind::proxied, r.balancer}};
    }
    start_session(std::move(r.connection), child);
    update_accepting();
}

ECHO_CHILD_PATH void fork_per_connection::start_session(echo::unique_fd connection, const child_info& child)
{
    if (at_source_limit(child.source)) [[unlikely]] {
        hold_back(std::move(connection), child);
        return;
    }
    spawn_session(std::move(connection), child);
}

ECHO_CHILD_PATH void fork_per_connection::spawn_session(echo::unique_fd connection, const child_info& child)
{
    // `connection` is the parent's copy: it is closed when this function
    // returns, whatever happens, so the child alone holds the socket.
    // Nothing here allocates: see flat_table.hpp. What the child needs is
    // copied here first: it has no mapping of this object.
    const session_settings settings = sup_.cfg.session;
    connection_log* const log = &sup_.connections;
    const parent_signals& signals = sup_.signals;
    const pid_t pid = fork_child();
    if (pid < 0) {
        sup_.fork_failures.log(log_level::error, "cannot fork to serve ", child.peer.to_string(), ": ",
                               std::strerror(errno), "; connection closed, pausing accept for ",
                               supervision::resource_backoff.count(), " ms");
        back_off();
        return;
    }
    if (pid == 0)
        run_child(connection.get(), child.peer, child.relay, signals, settings, log);

    children_.add(pid, child);
    ++sup_.counts->served;
    sup_.changed();
    update_accepting();
}

ECHO_CHILD_PATH void fork_per_connection::run_child(int connection, const peer_address& peer, const relay& via,
                                                    const parent_signals& signals, const session_settings& settings,
                                                    connection_log* log)
{
    // The child keeps its connection and stdio, nothing else: every listening
    // socket (and the signalfd) is closed here, so a listener dies with the
    // parent alone.
    const int keep[] = {connection};
    close_all_except(keep);
    signals.enter_session();
    // No return into the parent's stack: _exit skips destructors of objects
    // whose descriptors are already gone.
    ::_exit(serve_connection(connection, peer, settings, log, via));
}

bool fork_per_connection::at_source_limit(const source_key& source) const noexcept
{
    const unsigned limit = sup_.cfg.limits.max_per_source;
    return limit > 0 && children_.connections_from(source) >= limit;
}

void fork_per_connection::hold_back(echo::unique_fd connection, const child_info& child)
{
    // Children that have exited still count until they are reaped.
    sup_.reap();
    if (!at_source_limit(child.source) && children_.size() < sup_.cfg.limits.max_connections) {
        spawn_session(std::move(connection), child);
        return;
    }
    if (waiting_.full()) {
        refuse(child);
        return;
    }
    waiting_.admit(std::move(connection), child, clock::now());
}

void fork_per_connection::serve_waiting()
{
    if (waiting_.empty() || !sup_.serving)
        return;
    waiting_.serve_those(
        [this](const child_info& who) {
            return !at_source_limit(who.source) && children_.size() < sup_.cfg.limits.max_connections &&
                   clock::now() >= sup_.backoff_until;
        },
        [this](waiting_room::guest g) { spawn_session(std::move(g.connection), g.who); });
    waiting_.refuse_expired(
        clock::now(), [this](const child_info& who) { return at_source_limit(who.source); },
        [this](waiting_room::guest g) { refuse(g.who); });
}

void fork_per_connection::refuse(const child_info& child)
{
    sup_.refusals.refused(child, sup_.cfg.limits.max_per_source, clock::now());
    sup_.changed();
}

bool fork_per_connection::on_reaped(pid_t pid, int status)
{
    child_info info;
    if (!children_.remove(pid, info))
        return false;
    report_child_end(status, sup_.serving,
                     [&] { return "pid " + std::to_string(pid) + " serving " + info.peer.to_string(); });
    return true;
}

void fork_per_connection::signal_all(int signo) noexcept
{
    children_.for_each_pid([signo](pid_t pid) { ::kill(pid, signo); });
}

void fork_per_connection::stop()
{
    // The supervisor closed the listeners, which takes them out of epoll.
    waiting_.clear();
    headers_.clear();
    accepting_ = false;
}

void fork_per_connection::reconfigured()
{
    // A changed idle timeout reaches the connections already open too.
    if (const auto timeout = sup_.cfg.session.idle_timeout; timeout != sessions_timeout_) {
        sessions_timeout_ = timeout;
        children_.for_each_pid([timeout](pid_t pid) { retime_session(pid, timeout); });
    }
    proxy_refused_.set_timeout(sup_.cfg.proxy.header_timeout);
    serve_waiting();
    update_accepting();
}

void fork_per_connection::back_off()
{
    sup_.back_off();
    update_accepting();
}

void fork_per_connection::update_accepting()
{
    bool at_limit = held() >= sup_.cfg.limits.max_connections;
    if (at_limit && sup_.serving) {
        // Children that have exited hold no connection: pause only for real ones.
        sup_.reap();
        at_limit = held() >= sup_.cfg.limits.max_connections;
    }
    const bool want = sup_.serving && !at_limit && clock::now() >= sup_.backoff_until;
    if (want == accepting_)
        return;
    if (at_limit && sup_.serving)
        sup_.log_at_limit();
    for (std::size_t i = 0; i < sup_.listeners.size(); ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (::epoll_ctl(sup_.epoll, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, sup_.listeners[i].fd.get(), &ev) != 0)
            echo::throw_errno("epoll_ctl listener " + sup_.listeners[i].name);
    }
    accepting_ = want;
}

child_group::clock::time_point fork_per_connection::next_deadline() const noexcept
{
    auto next = std::min(waiting_.next_deadline(), headers_.next_deadline());
    if (!accepting_ && sup_.serving && sup_.backoff_until > clock::now())
        next = std::min(next, sup_.backoff_until);
    return next;
}

void fork_per_connection::on_timers(clock::time_point now)
{
    if (headers_.size() > 0) {
        const auto late = headers_.expire(now);
        for (const auto& r : late)
            proxy_refused_.failed(r);
        if (!late.empty()) {
            sup_.changed();
            update_accepting();
        }
    }
    serve_waiting();
    if (!accepting_ && sup_.serving && now >= sup_.backoff_until)
        update_accepting();
}

void fork_per_connection::append_status(std::string& line) const
{
    if (held() >= sup_.cfg.limits.max_connections)
        line += ", at max-connections";
    if (sup_.cfg.proxy.enabled())
        line += ", " + std::to_string(headers_.size()) + " awaiting a PROXY header, " +
                std::to_string(proxy_refused_.total()) + " refused by PROXY";
}

} // namespace echod
