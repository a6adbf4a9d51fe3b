// The parent's side of UDP echo: one child serves every datagram on every
// --listen-udp socket (datagram_echo.hpp), no fork per datagram. The parent
// forks it once, restarts it with back-off if it dies, ends it on stop and
// reports it in STATUS=. The child is forked by the accepting process,
// which never maps libsystemd (monitor.hpp), so neither does it.
#pragma once

#include "children/child_group.hpp"
#include "listen/listeners.hpp"
#include "config/config.hpp"

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace echod::udp {

// Moves the datagram sockets out of `listeners` (those bound from
// --listen-udp and those systemd passed from a ListenDatagram= socket).
[[nodiscard]] std::vector<listener> take_datagram_sockets(std::vector<listener>& listeners);

// A child group (child_group.hpp) of at most one process, which serves no
// TCP connection: open() is always 0.
class udp_service final : public child_group {
public:
    // `child_mask`: the signal mask the child waits with (signal_policy.hpp).
    // No sockets: the service does nothing. The child is forked by the first
    // on_timers().
    udp_service(std::vector<listener> sockets, const udp_settings& settings, const sigset_t& child_mask);

    // Whether `pid` was the UDP child; if so, it is gone and, unless the
    // service is stopping, restarted after a back-off.
    [[nodiscard]] bool on_reaped(pid_t pid, int status) override;
    // Processes of this service alive: 0 or 1.
    [[nodiscard]] std::size_t live() const noexcept override { return pid_ > 0 ? 1 : 0; }
    [[nodiscard]] std::size_t open() const noexcept override { return 0; }
    void signal_all(int signo) noexcept override;
    // Shutdown: a datagram has no session to finish, so the child is ended
    // (SIGTERM) at once, never restarted, and the parent's copies of the
    // sockets are closed.
    void stop() override;
    // listen-udp and the udp-* limits change only on restart (the
    // supervisor says so): nothing to apply.
    void reconfigured() override {}
    // When on_timers() has work (the start, a restart); max() if never.
    [[nodiscard]] clock::time_point next_deadline() const noexcept override { return start_at_; }
    void on_timers(clock::time_point now) override;
    // ", UDP echo on [::]:7" (and whether it is restarting) for STATUS=.
    void append_status(std::string& line) const override;

private:
    // Forks the UDP child.
    void start();
    void schedule_restart(clock::time_point now);

    std::vector<listener> sockets_;
    std::string names_;
    udp_settings settings_;
    sigset_t child_mask_;
    pid_t pid_ = 0;
    bool stopping_ = false;
    clock::time_point started_{};
    clock::time_point start_at_;
    std::chrono::milliseconds backoff_;
    unsigned long restarts_ = 0;
};

} // namespace echod::udp
