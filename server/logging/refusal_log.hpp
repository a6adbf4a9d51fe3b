// The log of connections refused by --max-per-source. A source over its
// limit may be a flood: one line per refusal would flood the log, one line a
// second with the rest dropped (as before) hides how many were refused. So
// the first refusal from a source is logged at once, with the client's
// address and port; if more follow within `window`, one line at the end of
// it gives their number: "refused 136 connections from 192.0.2.7 in the last
// 10 s (max-per-source 64)".
#pragma once

#include "limits/child_table.hpp"

#include <chrono>
#include <cstddef>
#include <vector>

namespace echod {

class refusal_log {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds window{10};
    // Sources counted separately in one window; beyond them, refusals are
    // summed up as "from N other sources", so the book stays small in a flood
    // from many addresses.
    static constexpr std::size_t sources_tracked = 64;

    refusal_log() { open_.reserve(sources_tracked); }

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
    struct tally {
        source_key source;
        clock::time_point opened;
        unsigned long count = 0;
    };
    void log_and_close(const tally& t, unsigned limit, clock::time_point now);

    std::vector<tally> open_;
    tally others_{}; // sources beyond sources_tracked; count 0: no window open
    unsigned long long total_ = 0;
};

} // namespace echod
