// The parent process: one event loop that reaps every child, enforces the
// shutdown and talks to systemd, and hands its listeners to the child group
// that serves them (fork per connection or a prefork pool: child_group.hpp).
// It never touches a client's data.
#pragma once

#include "children/child_group.hpp"
#include "config/config.hpp"
#include "logging/connection_log.hpp"
#include "listen/listeners.hpp"
#include "monitor/notifier.hpp"
#include "config/options.hpp"
#include "children/signal_policy.hpp"
#include "children/supervision.hpp"
#include "udp/udp_service.hpp"

#include "echo/unique_fd.hpp"

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

    // run()'s event loop; not inlined, so its frame is where run() put it.
    [[gnu::noinline]] int serve_until_done();
    [[nodiscard]] std::size_t live_children() const noexcept;
    [[nodiscard]] std::size_t open_connections() const noexcept;
    void handle_signals();
    void reap_children();
    void reload();
    void begin_shutdown(int signo);
    void escalate();
    void on_timers(clock::time_point now);
    [[nodiscard]] int wait_timeout_ms(clock::time_point now) const;
    [[nodiscard]] std::string status_line() const;

    config cfg_;
    const command_line& cli_;
    bool socket_activated_;
    std::vector<listener> listeners_;
    parent_signals signals_;
    echo::unique_fd epoll_;
    notifier notify_;
    connection_log connection_log_; // shared with every child: see connection_log.hpp
    supervision sup_;
    std::unique_ptr<connection_group> tcp_; // the echo service's children
    udp::udp_service udp_;                   // --listen-udp: the one UDP child
    std::vector<child_group*> groups_;       // every kind of child, for the reaper

    phase phase_ = phase::serving;
    clock::time_point phase_deadline_{};
    clock::time_point status_sent_{};
    clock::time_point next_watchdog_{};
};

} // namespace echod
