// Tells systemd how echod is doing (sd_notify): ready, reloading, stopping,
// a one-line status, and watchdog pings. Three ways:
//  - outside systemd (no NOTIFY_SOCKET) it does nothing at all;
//  - in the accepting process under systemd (monitor.hpp) it writes each
//    message to the monitor, over the control channel;
//  - in the monitor, the process systemd knows as the main PID, it loads
//    libsystemd once and sends with sd_notify() what the acceptor wrote.
//
// Only a library that cannot be loaded at start ends the notifications (it
// is missing or broken, and echod says so once). Any failure later is taken
// for a passing one (out of descriptors or memory: the library loaded once,
// so it is there): it is logged once, a state change that did not reach
// systemd (READY=1, RELOADING=1, STOPPING=1) is sent again, and the watchdog
// pings go on. Giving up there had systemd kill a healthy echod WatchdogSec
// after a moment's descriptor shortage (issue 16).
#pragma once

#include "listen/libsystemd.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace echod {

class notifier {
public:
    using clock = std::chrono::steady_clock;

    // Silent.
    notifier() = default;
    // The acceptor's: messages go up `channel`; `watchdog` as the monitor
    // learnt it from systemd.
    notifier(int channel, std::chrono::microseconds watchdog) noexcept;
    // The monitor's: loads libsystemd if NOTIFY_SOCKET is set.
    [[nodiscard]] static notifier to_systemd();

    [[nodiscard]] bool enabled() const noexcept { return enabled_; }

    void ready(const std::string& status);
    void reloading();
    void stopping(const std::string& status);
    void status(const std::string& status);

    // The watchdog interval systemd asked for (WATCHDOG_USEC), zero if none.
    [[nodiscard]] std::chrono::microseconds watchdog_interval() const noexcept { return watchdog_; }
    void watchdog_ping();

    // When a state change that failed to go out should be tried again;
    // time_point::max() when nothing waits.
    [[nodiscard]] clock::time_point retry_at() const noexcept { return retry_at_; }
    void retry();

    // In the monitor: passes on a message the acceptor wrote.
    void forward(const std::string& message);

private:
    enum class kind { state, status };
    void send(const std::string& message, kind what);
    // True when systemd got it; logs the first failure of a run of them.
    bool deliver(const std::string& message);

    std::unique_ptr<libsystemd> systemd_; // the monitor's, loaded once
    int channel_ = -1;                    // the acceptor's, to the monitor
    bool enabled_ = false;
    bool failing_ = false;
    std::string unsent_; // state changes systemd has not heard yet, oldest first
    clock::time_point retry_at_ = clock::time_point::max();
    std::chrono::microseconds watchdog_{0};
};

} // namespace echod
