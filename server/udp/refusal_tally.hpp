// The log of refused UDP datagrams. A flood of them must not flood the log,
// and a count must not get lost: the first refusal of each kind is logged
// at once, with the source; the others of that kind within `window` are
// counted and logged as one line when it ends: "refused 4711 more UDP
// datagrams in the last 10 s: over the per-source rate (...)". Fixed memory:
// one log_throttle per kind of refusal.
#pragma once

#include "logging/log_throttle.hpp"
#include "udp/source_guard.hpp"

#include <array>
#include <chrono>

namespace echod::udp {

class refusal_tally {
public:
    using clock = log_throttle::clock;
    static constexpr std::chrono::seconds window{10};

    refusal_tally() { windows_.fill(log_throttle(window)); }

    // Counts a refusal; logs it if it is the first of its kind in a window.
    void refused(refusal why, const sockaddr* source, socklen_t length, clock::time_point now);
    // Logs the count of each window that has ended, or of all (at exit).
    void flush(clock::time_point now, bool every_window = false);
    // When the next window ends; time_point::max() if none is open.
    [[nodiscard]] clock::time_point next_due() const noexcept;
    [[nodiscard]] unsigned long long total() const noexcept { return total_; }
    [[nodiscard]] unsigned long long count(refusal why) const noexcept
    {
        return since_start_[static_cast<std::size_t>(why)];
    }

private:
    void log_sum(std::size_t kind, clock::time_point now, bool at_once);

    std::array<log_throttle, refusal_kinds> windows_;
    std::array<unsigned long long, refusal_kinds> since_start_{};
    unsigned long long total_ = 0;
};

} // namespace echod::udp
