#include "monitor/notifier.hpp"

#include "monitor/control_channel.hpp"

#include "echo/log.hpp"

#include <cstdlib>
#include <cstring>
#include <ctime>

namespace echod {
namespace {

using namespace std::chrono_literals;
using echo::log;
using echo::log_level;

// A state change that did not go out is tried again this often.
constexpr auto retry_interval = 100ms;

} // namespace

notifier::notifier(int channel, std::chrono::microseconds watchdog) noexcept
    : channel_(channel), enabled_(channel >= 0), watchdog_(watchdog)
{
}

notifier notifier::to_systemd()
{
    notifier n;
    if (std::getenv("NOTIFY_SOCKET") == nullptr)
        return n;
    try {
        n.systemd_ = std::make_unique<libsystemd>();
        n.enabled_ = true;
        std::uint64_t usec = 0;
        if (n.systemd_->watchdog_enabled(0, &usec) > 0)
            n.watchdog_ = std::chrono::microseconds(usec);
    } catch (const libsystemd::unavailable& e) {
        log(log_level::warning, "cannot notify systemd: ", e.what());
    }
    return n;
}

bool notifier::deliver(const std::string& message)
{
    if (channel_ >= 0)
        // A monitor that is gone or does not read: the acceptor hears of
        // the first by SIGTERM (its parent-death signal), and cannot wait
        // for the second.
        return send_message(channel_, message);
    const int r = systemd_->notify(0, message.c_str());
    if (r > 0) {
        if (failing_)
            log(log_level::notice, "notifying systemd again");
        failing_ = false;
        return true;
    }
    if (!failing_)
        log(log_level::warning, "cannot notify systemd: ", r < 0 ? std::strerror(-r) : "NOTIFY_SOCKET is gone",
            "; trying again");
    failing_ = true;
    return false;
}

void notifier::forward(const std::string& message)
{
    const bool state = message.find("READY=1") != std::string::npos ||
                       message.find("RELOADING=1") != std::string::npos ||
                       message.find("STOPPING=1") != std::string::npos;
    send(message, state ? kind::state : kind::status);
}

void notifier::send(const std::string& message, kind what)
{
    if (!enabled_)
        return;
    // What failed before goes first, so systemd sees the changes in order.
    std::string all = unsent_.empty() ? message : unsent_ + "\n" + message;
    if (deliver(all)) {
        unsent_.clear();
        retry_at_ = clock::time_point::max();
        return;
    }
    if (what == kind::state)
        unsent_ = std::move(all);
    if (!unsent_.empty())
        retry_at_ = clock::now() + retry_interval;
}

void notifier::retry()
{
    if (unsent_.empty()) {
        retry_at_ = clock::time_point::max();
        return;
    }
    if (deliver(unsent_)) {
        unsent_.clear();
        retry_at_ = clock::time_point::max();
    } else {
        retry_at_ = clock::now() + retry_interval;
    }
}

void notifier::ready(const std::string& status) { send("READY=1\nSTATUS=" + status, kind::state); }

void notifier::reloading()
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1'000;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=Reloading configuration", kind::state);
}

void notifier::stopping(const std::string& status) { send("STOPPING=1\nSTATUS=" + status, kind::state); }

void notifier::status(const std::string& status) { send("STATUS=" + status, kind::status); }

void notifier::watchdog_ping()
{
    if (watchdog_.count() > 0)
        send("WATCHDOG=1", kind::status);
}

} // namespace echod
