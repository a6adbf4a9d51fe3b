// The throttle of every rate-limited log of echod, written once: at most
// `lines` lines in an interval that opens with the first of them; what comes
// after them in the interval is counted, and its number said in one line,
// so that a flood cannot flood the log and no count gets lost.
//   - A recurring complaint (fork failing, out of descriptors, a source over
//     its limit) calls log(): the count goes with its next line, "(N more
//     like this suppressed)".
//   - The refusal logs (refusal_log.hpp, udp/refusal_tally.hpp) keep one
//     throttle per source or kind, call admit(), and at the interval's end
//     write what take_summary() gives in their own words: "refused 136
//     connections from 192.0.2.7 in the last 10 s".
// The connection log decides in shared memory, across processes: see
// connection_log.hpp for why it cannot use this.
#pragma once

#include "echo/log.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

namespace echod {

class log_throttle {
public:
    using clock = std::chrono::steady_clock;

    // One line a second.
    log_throttle() noexcept = default;
    // `lines` 0: the interval's events are only counted.
    explicit log_throttle(clock::duration interval, unsigned lines = 1) noexcept : interval_(interval), lines_(lines) {}

    // `events` that would each write a line: true if one line may be written
    // now (the others are counted), false if all are counted. An interval
    // that has ended gives way to a new one; its uncounted number carries over.
    bool admit(clock::time_point now, std::uint64_t events = 1) noexcept
    {
        if (!open_ || now >= opened_ + interval_) {
            open_ = true;
            opened_ = now;
            written_ = 0;
        }
        if (events == 0)
            return false;
        if (written_ < lines_) {
            ++written_;
            suppressed_ += events - 1;
            return true;
        }
        suppressed_ += events;
        return false;
    }

    struct summary {
        std::uint64_t written;    // lines written in the interval
        std::uint64_t suppressed; // events counted instead
        clock::duration span;     // how long the interval ran, at most its length
    };
    // What the interval saw, if one is open and it has ended (or at once
    // with `now_or_never`, at exit); closes it, so the next event opens a
    // new one.
    [[nodiscard]] std::optional<summary> take_summary(clock::time_point now, bool now_or_never = false) noexcept
    {
        if (!open_ || (!now_or_never && now < opened_ + interval_))
            return std::nullopt;
        const summary s{written_, std::exchange(suppressed_, 0), std::min(now - opened_, interval_)};
        open_ = false;
        written_ = 0;
        return s;
    }

    [[nodiscard]] bool open() const noexcept { return open_; }
    // When the open interval ends, time_point::max() if none is open.
    [[nodiscard]] clock::time_point due() const noexcept
    {
        return open_ ? opened_ + interval_ : clock::time_point::max();
    }

    // A recurring complaint: writes it if admit() allows, with the number
    // suppressed since the last line written.
    template <typename... Parts>
    void log(echo::log_level level, const Parts&... parts)
    {
        if (!admit(clock::now()))
            return;
        if (const auto n = std::exchange(suppressed_, 0); n > 0)
            echo::log(level, parts..., " (", n, " more like this suppressed)");
        else
            echo::log(level, parts...);
    }

private:
    clock::duration interval_ = std::chrono::seconds(1);
    unsigned lines_ = 1;
    bool open_ = false;
    clock::time_point opened_{};
    std::uint64_t written_ = 0;
    std::uint64_t suppressed_ = 0;
};

} // namespace echod
