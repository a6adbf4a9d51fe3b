// Tells systemd how echod is doing (sd_notify): ready, reloading, stopping,
// a one-line status, and watchdog pings. Outside systemd (no NOTIFY_SOCKET)
// it does nothing at all, and never loads libsystemd.
#pragma once

#include <chrono>
#include <string>

namespace echod {

class notifier {
public:
    notifier();

    [[nodiscard]] bool enabled() const noexcept { return enabled_; }

    void ready(const std::string& status);
    void reloading();
    void stopping(const std::string& status);
    void status(const std::string& status);

    // The watchdog interval systemd asked for (WATCHDOG_USEC), zero if none.
    [[nodiscard]] std::chrono::microseconds watchdog_interval() const noexcept { return watchdog_; }
    void watchdog_ping();

private:
    void send(const std::string& message);

    bool enabled_ = false;
    std::chrono::microseconds watchdog_{0};
};

} // namespace echod
