// The parent process: it accepts, forks one child per connection, reaps every
// child, enforces the limits, and talks to systemd. It never touches a
// client's data.
#pragma once

#include "children.hpp"
#include "connection_log.hpp"
#include "config.hpp"
#include "listeners.hpp"
#include "log_throttle.hpp"
#include "notifier.hpp"
#include "options.hpp"
#include "prefork_pool.hpp"
#include "refusal_log.hpp"
#include "udp/udp_service.hpp"
#include "waiting_room.hpp"

#include "echo/signals.hpp"
#include "echo/unique_fd.hpp"

#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <vector>

namespace echod {

class supervisor {
public:
    // `notify`: silent, or to the monitor (monitor.hpp).
    supervisor(config cfg, std::vector<listener> listeners, const command_line& cli, bool socket_activated,
               notifier notify);

    // Serves until SIGTERM/SIGINT and every child is gone; returns the exit status.
    int run();

private:
    using clock = std::chrono::steady_clock;
    enum class phase { serving, draining, terminating, killing };

    void accept_from(listener& l);
    void fill_pool();
    // Counts the connections prefork workers began (their scoreboard) and
    // trims the idle workers beyond twice the spares.
    void look_at_pool();
    [[nodiscard]] std::size_t live_children() const noexcept;
    [[nodiscard]] std::size_t open_connections() const noexcept;
    void start_session(echo::unique_fd connection, const sockaddr_storage& peer, socklen_t length);
    void spawn_session(echo::unique_fd connection, const child_info& child);
    [[nodiscard]] bool at_source_limit(const source_key& source) const noexcept;
    // A source at its limit: reap, then serve, hold back or refuse.
    void hold_back(echo::unique_fd connection, const child_info& child);
    // Serves the held-back connections whose source has room again, refuses
    // those that waited long enough.
    void serve_waiting();
    void refuse(const child_info& child);
    [[noreturn]] void run_child(int connection, const peer_address& peer);
    void handle_signals();
    void reap_children();
    void reload();
    void begin_shutdown(int signo);
    void escalate();
    void back_off(std::chrono::milliseconds how_long);
    void update_accepting();
    void on_timers(clock::time_point now);
    [[nodiscard]] int wait_timeout_ms(clock::time_point now) const;
    void mark_status_changed();
    [[nodiscard]] std::string status_line() const;

    config cfg_;
    const command_line& cli_;
    bool socket_activated_;
    std::vector<listener> listeners_;
    echo::signal_events signals_;
    echo::unique_fd epoll_;
    notifier notify_;
    connection_log connection_log_; // shared with every child: see connection_log.hpp
    child_table children_;              // fork per connection: one child per client
    std::unique_ptr<prefork_pool> pool_; // --prefork: workers that accept themselves
    waiting_room waiting_;               // connections over --max-per-source, for a moment

    bool accepting_ = false;
    clock::time_point backoff_until_{};
    phase phase_ = phase::serving;
    clock::time_point phase_deadline_{};
    unsigned long long served_ = 0;

    bool status_changed_ = false;
    clock::time_point status_sent_{};
    clock::time_point next_watchdog_{};

    log_throttle accept_failures_;
    log_throttle fork_failures_;
    refusal_log refusals_;
    log_throttle at_limit_;
    udp::udp_service udp_; // --listen-udp: the one UDP child (udp/udp_service.hpp)
};

} // namespace echod
