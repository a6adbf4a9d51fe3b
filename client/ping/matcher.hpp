// The reader's books: matches each echo to its probe by sequence number,
// times it, and declares a probe lost when --timeout passes without an
// intact echo. Memory is fixed: one slot per probe in flight, in a ring as
// large as the probe book's.
#pragma once

#include "framer.hpp"
#include "probe_book.hpp"
#include "tally.hpp"

#include <cstdint>
#include <vector>

namespace echo_client::ping {

// What one framed echo turned out to be.
struct verdict {
    enum class kind { echoed, duplicate, late, corrupted, garbage, unknown };
    kind what = kind::echoed;
    std::uint64_t sequence = 0;
    std::uint64_t round_trip_ns = 0;          // echoed, duplicate, late
    std::size_t first_difference = 0;         // corrupted
    std::size_t bytes = 0;                    // garbage
};

class matcher {
public:
    matcher(const probe_records& book, std::uint64_t timeout_ns);

    [[nodiscard]] verdict take(const framed& echo, std::uint64_t now_ns);

    // Declares lost every probe, oldest first, whose --timeout has passed by
    // `now_ns` (all still outstanding when `everything`); calls on_lost(seq).
    template <typename OnLost>
    void expire(std::uint64_t now_ns, bool everything, OnLost on_lost);

    // Probes below this are settled (echoed or lost).
    [[nodiscard]] std::uint64_t settled() const noexcept { return oldest_; }
    // When the oldest outstanding probe times out; 0 when none is outstanding.
    [[nodiscard]] std::uint64_t next_deadline_ns() const noexcept;
    // Outstanding probes, counted for the summary of an interrupted run.
    [[nodiscard]] std::uint64_t in_flight() const noexcept;

    [[nodiscard]] tally& counts() noexcept { return tally_; }
    [[nodiscard]] const tally& counts() const noexcept { return tally_; }

private:
    enum class state : std::uint8_t { pending, echoed, lost };
    struct slot {
        std::uint64_t sequence = UINT64_MAX;
        state status = state::pending;
    };
    // The slot of an outstanding probe (made pending on first use).
    slot& slot_of(std::uint64_t sequence) noexcept;

    const probe_records& book_;
    std::uint64_t timeout_ns_;
    std::vector<slot> slots_;
    std::uint64_t oldest_ = 0; // every probe below is settled
    std::uint64_t next_in_order_ = 0; // one past the highest sequence echoed so far
    tally tally_;
};

template <typename OnLost>
void matcher::expire(std::uint64_t now_ns, bool everything, OnLost on_lost)
{
    const std::uint64_t sent = book_.sent();
    for (; oldest_ < sent; ++oldest_) {
        slot& s = slot_of(oldest_);
        if (s.status == state::pending) {
            if (!everything && book_.sent_ns(oldest_) + timeout_ns_ > now_ns)
                break;
            s.status = state::lost;
            ++tally_.lost;
            on_lost(oldest_);
        }
    }
}

} // namespace echo_client::ping
