// Fork per connection: the parent accepts, and forks one child for each
// client, within --max-connections and --max-per-source.
#pragma once

#include "children/child_group.hpp"
#include "limits/child_table.hpp"
#include "logging/log_throttle.hpp"
#include "session/session.hpp"
#include "children/supervision.hpp"
#include "limits/waiting_room.hpp"
#include "proxy/header_wait.hpp"
#include "proxy/proxy_refusals.hpp"

#include "echo/unique_fd.hpp"

#include <sys/socket.h>

namespace echod {

class fork_per_connection final : public connection_group {
public:
    explicit fork_per_connection(supervision& sup)
        : sup_(sup), sessions_timeout_(sup.cfg.session.idle_timeout), headers_(sup.epoll),
          proxy_refused_(sup.cfg.proxy.header_timeout)
    {
    }

    // The parent writes this object (its books of children) after every
    // fork. On the ordinary heap each write left the children sharing that
    // page holding the old copy as their own: 4 KiB more per connection
    // held. So it lives where children have no mapping at all
    // (parent_only_allocator.hpp), and a child never reads it: run_child()
    // gets what it needs on the stack.
    static void* operator new(std::size_t bytes);
    static void operator delete(void* object, std::size_t bytes) noexcept;

    void on_readable(std::uint64_t token) override;
    [[nodiscard]] bool on_reaped(pid_t pid, int status) override;
    [[nodiscard]] std::size_t live() const noexcept override { return children_.size(); }
    [[nodiscard]] std::size_t open() const noexcept override { return children_.size(); }
    void signal_all(int signo) noexcept override;
    void stop() override;
    void reconfigured() override;
    [[nodiscard]] clock::time_point next_deadline() const noexcept override;
    void on_timers(clock::time_point now) override;
    void append_status(std::string& line) const override;

private:
    void accept_from(listener& l);
    void start_session(echo::unique_fd connection, const child_info& child);
    // A connection on a PROXY listener: refused unless its peer is a trusted
    // balancer, else held until its header is whole (proxy/header_wait.hpp).
    void await_header(echo::unique_fd connection, const peer_address& balancer);
    // Its header's bytes arrived: wait on, refuse, or serve the client it names.
    void on_header(std::uint64_t token);
    // Connections that take a place under --max-connections: children, and
    // those still sending their PROXY header.
    [[nodiscard]] std::size_t held() const noexcept { return children_.size() + headers_.size(); }
    void spawn_session(echo::unique_fd connection, const child_info& child);
    [[nodiscard]] bool at_source_limit(const source_key& source) const noexcept;
    // A source at its limit: reap, then serve, hold back or refuse.
    void hold_back(echo::unique_fd connection, const child_info& child);
    // Serves the held-back connections whose source has room again, refuses
    // those that waited long enough.
    void serve_waiting();
    void refuse(const child_info& child);
    [[noreturn]] static void run_child(int connection, const peer_address& peer, const relay& via,
                                       const parent_signals& signals, const session_settings& settings,
                                       connection_log* log);
    void back_off();
    // Watches the listeners while there is room for another child.
    void update_accepting();

    supervision& sup_;
    child_table children_; // one child per client
    waiting_room waiting_; // connections over --max-per-source, for a moment
    bool accepting_ = false;
    log_throttle accept_failures_;
    std::chrono::seconds sessions_timeout_; // the idle timeout the children were given
    header_wait headers_;                   // PROXY listeners' connections, header not yet whole
    proxy_refusals proxy_refused_;
};

} // namespace echod
