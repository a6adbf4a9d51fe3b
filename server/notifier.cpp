#include "notifier.hpp"

#include "libsystemd.hpp"

#include "echo/log.hpp"

#include <cstdlib>
#include <cstring>
#include <ctime>

namespace echod {

notifier::notifier()
{
    if (std::getenv("NOTIFY_SOCKET") == nullptr)
        return;
    try {
        const libsystemd systemd;
        enabled_ = true;
        std::uint64_t usec = 0;
        if (systemd.watchdog_enabled(0, &usec) > 0)
            watchdog_ = std::chrono::microseconds(usec);
    } catch (const libsystemd::unavailable& e) {
        echo::log(echo::log_level::warning, "cannot notify systemd: ", e.what());
    }
}

void notifier::send(const std::string& message)
{
    if (!enabled_)
        return;
    try {
        const libsystemd systemd; // closed again before the next fork(): see libsystemd.hpp
        const int r = systemd.notify(0, message.c_str());
        if (r < 0)
            echo::log(echo::log_level::warning, "cannot notify systemd: ", std::strerror(-r));
    } catch (const libsystemd::unavailable& e) {
        // It loaded at startup; if it cannot now, it will not later either.
        echo::log(echo::log_level::warning, "cannot notify systemd: ", e.what(), "; no more notifications");
        enabled_ = false;
    }
}

void notifier::ready(const std::string& status) { send("READY=1\nSTATUS=" + status); }

void notifier::reloading()
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1'000;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=Reloading configuration");
}

void notifier::stopping(const std::string& status) { send("STOPPING=1\nSTATUS=" + status); }

void notifier::status(const std::string& status) { send("STATUS=" + status); }

void notifier::watchdog_ping()
{
    if (watchdog_.count() > 0)
        send("WATCHDOG=1");
}

} // namespace echod
