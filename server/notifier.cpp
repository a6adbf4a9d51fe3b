#include "notifier.hpp"

#include "echo/log.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>
#include <ctime>

namespace echod {

notifier::notifier()
{
    enabled_ = std::getenv("NOTIFY_SOCKET") != nullptr;
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0)
        watchdog_ = std::chrono::microseconds(usec);
}

void notifier::send(const std::string& message)
{
    if (!enabled_)
        return;
    const int r = sd_notify(0, message.c_str());
    if (r < 0)
        echo::log(echo::log_level::warning, "cannot notify systemd: ", std::strerror(-r));
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
