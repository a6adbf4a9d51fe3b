// The per-connection log line, within a budget journald will not cut.
//
// Each connection's child writes one line when it ends. journald drops a
// service's lines beyond 10,000 in 30 s (its RateLimitBurst= and
// RateLimitIntervalSec= defaults) and only says how many it dropped; so past
// `connection-log-rate` lines in a second the children write none, count how
// their connections ended instead, and the parent writes one line a second
// that sums them up. Every connection is in exactly one line: its own or a
// summary.
//
// Why not log_throttle, the throttle of every other log: here the lines are
// written by many children at once, so the window is one word in shared
// memory that a compare-and-swap moves (second and count together), and the
// counting is by processes that exit; log_throttle is one process's plain
// state, and giving it that word would make every other user pay atomics
// for a race they do not have.
#pragma once

#include "echo/anonymous_mapping.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

namespace echod {

// How a connection ended, as its line says and the summaries count.
enum class session_end : unsigned { client_closed, idle_timeout, reset, shutdown, failed };
inline constexpr std::size_t session_end_kinds = 5;

class connection_log {
public:
    using clock = std::chrono::steady_clock;

    // `lines_per_second`: 0 is no limit.
    explicit connection_log(unsigned lines_per_second);

    // Parent, at start and on reload.
    void set_rate(unsigned lines_per_second) noexcept;
    [[nodiscard]] unsigned rate() const noexcept;

    // Child, when its connection ended: true if it may write its own line;
    // false once this second's lines are spent, and then the connection is
    // counted for the next summary instead. Allocates nothing.
    [[nodiscard]] bool admit(session_end how) noexcept;
    // Child that keeps running (a prefork worker): true for one child once
    // per summary after a connection went unlogged, so that it wakes the
    // parent, which might otherwise sleep on with the summary unwritten.
    [[nodiscard]] bool take_wake_request() noexcept;

    // Parent: connections that ended without a line of their own and are
    // not summed up yet.
    [[nodiscard]] std::uint64_t unsummarized() const noexcept;
    // Parent, in its event loop: when the next summary is due, a second
    // after it first saw such connections; nothing while there are none.
    [[nodiscard]] std::optional<clock::time_point> summary_due(clock::time_point now) noexcept;
    [[nodiscard]] std::optional<clock::time_point> pending_summary() const noexcept { return due_; }
    // Parent: writes the summary (level info) if it is due, or at once with
    // `now_or_never` (before exiting).
    void summarize(clock::time_point now, bool now_or_never = false);

private:
    struct counters {
        // Second of CLOCK_MONOTONIC_COARSE in the high half, lines written in
        // it in the low half: one word, so a compare-and-swap moves both.
        std::uint64_t window;
        std::uint32_t rate;
        std::uint32_t wake; // wake_none, wake_wanted or wake_sent
        std::uint64_t unlogged[session_end_kinds]; // since start, by how they ended
    };

    static constexpr std::uint32_t wake_none = 0, wake_wanted = 1, wake_sent = 2;

    echo::anonymous_mapping memory_;
    counters* shared_;
    std::array<std::uint64_t, session_end_kinds> summarized_{}; // the parent's: already reported
    std::optional<clock::time_point> due_;
    clock::time_point period_start_;
};

} // namespace echod
