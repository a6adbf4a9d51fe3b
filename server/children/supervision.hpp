// What the supervisor lends its child groups (child_group.hpp): the settings
// as last (re)loaded, the event loop, and the books behind STATUS= and the
// log that every kind of child adds to.
#pragma once

#include "config/config.hpp"
#include "logging/connection_log.hpp"
#include "listen/listeners.hpp"
#include "logging/log_throttle.hpp"
#include "limits/parent_only_allocator.hpp"
#include "logging/refusal_log.hpp"
#include "children/signal_policy.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace echod {

struct supervision {
    using clock = std::chrono::steady_clock;

    // epoll data of the parent's signalfd; a group uses any other value.
    static constexpr std::uint64_t signal_token = ~0ULL;
    // How long accept() and fork() pause after running out of descriptors,
    // memory or processes: long enough not to spin, short enough to recover fast.
    static constexpr std::chrono::milliseconds resource_backoff{100};

    supervision(const config& settings, std::vector<listener>& listening, const parent_signals& parent,
                int epoll_fd, connection_log& log, std::function<void()> reaper, bool status_wanted)
        : cfg(settings), listeners(listening), signals(parent), epoll(epoll_fd), connections(log),
          reap(std::move(reaper)), report_status(status_wanted)
    {
    }

    const config& cfg; // limits change on SIGHUP
    std::vector<listener>& listeners;
    const parent_signals& signals;
    int epoll;
    connection_log& connections; // shared with every child: see connection_log.hpp
    // Reaps every child that has exited (the supervisor's reaper, which
    // calls each group's on_reaped()).
    std::function<void()> reap;
    bool report_status; // systemd listens: keep STATUS= current

    bool serving = true; // until shutdown begins
    // Written after every fork, so kept where children have no mapping (see
    // parent_only_allocator.hpp).
    struct tally {
        unsigned long long served = 0;
        bool status_changed = false;
    };
    parent_only_object<tally> counts;
    clock::time_point backoff_until{};
    refusal_log refusals;
    log_throttle fork_failures;
    log_throttle at_limit;

    void changed() noexcept { counts->status_changed = counts->status_changed || report_status; }
    // Pauses forking (and accepting) for resource_backoff.
    void back_off() { backoff_until = clock::now() + resource_backoff; }
    void log_at_limit()
    {
        at_limit.log(echo::log_level::notice, "max-connections (", cfg.limits.max_connections,
                     ") reached: new clients wait in the listen backlog");
    }
};

} // namespace echod
