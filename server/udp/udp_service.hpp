// The parent's side of UDP echo: one child serves every datagram on every
// --listen-udp socket (datagram_echo.hpp), no fork per datagram. The parent
// forks it once, restarts it with back-off if it dies, ends it on stop and
// reports it in STATUS=. The child is forked by the accepting process,
// which never maps libsystemd (monitor.hpp), so neither does it.
#pragma once

#include "../listeners.hpp"
#include "udp_settings.hpp"

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace echod::udp {

// Moves the datagram sockets out of `listeners` (those bound from
// --listen-udp and those systemd passed from a ListenDatagram= socket).
[[nodiscard]] std::vector<listener> take_datagram_sockets(std::vector<listener>& listeners);

class udp_service {
public:
    using clock = std::chrono::steady_clock;

    // `child_mask`: the signal mask the child waits with (the one before the
    // parent blocked its signals). No sockets: the service does nothing.
    udp_service(std::vector<listener> sockets, const udp_settings& settings, const sigset_t& child_mask);

    // Forks the UDP child, if there are sockets and it is not running.
    void start();
    // Whether `pid` was the UDP child; if so, it is gone and, unless the
    // service is stopping, restarted after a back-off.
    bool on_reaped(pid_t pid, int status);
    // Processes of this service alive: 0 or 1.
    [[nodiscard]] std::size_t live() const noexcept { return pid_ > 0 ? 1 : 0; }
    // Sends `signo` to the child and stops the service: no restart after,
    // and the parent's copies of the sockets are closed.
    void signal_all(int signo);
    // When on_timers() has work (a restart); time_point::max() if never.
    [[nodiscard]] clock::time_point next_deadline() const noexcept;
    void on_timers(clock::time_point now);
    // ", UDP echo on [::]:7" (and whether it is restarting) for STATUS=.
    void append_status(std::string& line) const;

private:
    void schedule_restart(clock::time_point now);

    std::vector<listener> sockets_;
    std::string names_;
    udp_settings settings_;
    sigset_t child_mask_;
    pid_t pid_ = 0;
    bool stopping_ = false;
    clock::time_point started_{};
    clock::time_point restart_at_ = clock::time_point::max();
    std::chrono::milliseconds backoff_;
    unsigned long restarts_ = 0;
};

} // namespace echod::udp
