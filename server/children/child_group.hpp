// The children the supervisor forks, by kind: its reaper, its shutdown and
// STATUS= go through this interface alone, so the supervisor holds one loop
// over its groups instead of a branch per kind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace echod {

class child_group {
public:
    using clock = std::chrono::steady_clock;

    virtual ~child_group() = default;

    // A child was reaped with wait status `status`: true if it was one of
    // this group's (which then logs an unexpected end: child_exit.hpp).
    [[nodiscard]] virtual bool on_reaped(pid_t pid, int status) = 0;
    // Processes alive (forked, not yet reaped), and connections they serve.
    [[nodiscard]] virtual std::size_t live() const noexcept = 0;
    [[nodiscard]] virtual std::size_t open() const noexcept = 0;
    // Sends `signo` to every live child (shutdown: SIGTERM, then SIGKILL).
    virtual void signal_all(int signo) noexcept = 0;
    // Shutdown begins: start no more children and take no more clients;
    // those being served go on.
    virtual void stop() = 0;
    // The settings were reloaded (SIGHUP): apply them to what runs.
    virtual void reconfigured() = 0;
    // When on_timers() next has something to do; time_point::max(): nothing.
    [[nodiscard]] virtual clock::time_point next_deadline() const noexcept = 0;
    // After every turn of the event loop (a deadline passed, children were
    // reaped, the settings changed): do what is due.
    virtual void on_timers(clock::time_point now) = 0;
    // This group's part of the STATUS= line, each part after ", ".
    virtual void append_status(std::string& line) const = 0;
};

// The TCP echo service: fork per connection, or a prefork pool.
class connection_group : public child_group {
public:
    // A descriptor this group added to the supervisor's epoll with `token`
    // as its data (any but supervision::signal_token) became readable.
    virtual void on_readable(std::uint64_t token) = 0;
};

} // namespace echod
