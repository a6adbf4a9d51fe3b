// The log of connections refused by --max-per-source. A source over its
// limit may be a flood: one line per refusal would flood the log, one line a
// second with the rest dropped (as before) hides how many were refused. So
// the first refusal from a source is logged at once, with the client's
// address and port; if more follow within `window`, one line at the end of
// it gives their number: "refused 136 connections from 192.0.2.7 in the last
// 10 s (max-per-source 64)". One log_throttle per source, in a per_source
// table.
#pragma once

#include "limits/child_table.hpp"
#include "limits/per_source.hpp"
#include "logging/log_throttle.hpp"

#include <chrono>
#include <cstddef>

namespace echod {

class refusal_log {
public:
    using clock = log_throttle::clock;
    static constexpr std::chrono::seconds window{10};
    // Sources counted separately in one window; beyond them, refusals are
    // summed up as "from other sources", so the book stays small in a flood
    // from many addresses.
    static constexpr std::size_t sources_tracked = 64;

    // Counts `count` refusals of `who`'s source (the last of them `who`);
    // logs the first of them if it is its source's first in a window.
    void refused(const child_info& who, unsigned limit, clock::time_point now, unsigned long count = 1);
    // Logs the count of every window that has ended, or of all of them (at
    // shutdown, so that no refusal goes uncounted).
    void flush_ended(clock::time_point now, unsigned limit, bool every_window = false);

    // When the next window ends, time_point::max() if none is open.
    [[nodiscard]] clock::time_point next_due() const noexcept;
    // Refusals since start, for STATUS=.
    [[nodiscard]] unsigned long long total() const noexcept { return total_; }

private:
    struct source_window : log_throttle {
        source_window() noexcept : log_throttle(window) {}
    };
    void log_sum(const source_key& source, log_throttle& w, unsigned limit, clock::time_point now, bool at_once);

    // Every slot may go to any source (probes = slots): the first 64 sources
    // of a window are the ones counted one by one.
    per_source<source_window> sources_{sources_tracked, sources_tracked};
    log_throttle others_{window, 0}; // sources beyond sources_tracked: counted only
    unsigned long long total_ = 0;
};

} // namespace echod
