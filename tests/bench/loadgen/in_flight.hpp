// The datagrams one UDP client has sent and not yet seen echoed, in the order
// sent. UDP may lose, duplicate or reorder, and the server may misbehave, so
// each echo is sorted into exactly one outcome and nothing goes uncounted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_set>

namespace bench {

enum class echo_outcome {
    answered,  // the first echo of a datagram still in flight
    late,      // the echo of a datagram already counted as lost
    unexpected // never sent, or echoed twice
};

class datagrams_in_flight {
public:
    // The sequence number the next datagram gets.
    [[nodiscard]] std::uint64_t next_seq() const noexcept { return first_ + entries_.size(); }
    // Datagrams sent and neither echoed nor lost: the window in use.
    [[nodiscard]] std::size_t unanswered() const noexcept { return unanswered_; }

    // Datagram next_seq() went out at `now_ns`.
    void sent(std::int64_t now_ns);
    // Sorts the echo of `seq`; for `answered`, `latency_ns` is its round trip.
    [[nodiscard]] echo_outcome echoed(std::uint64_t seq, std::int64_t now_ns, std::int64_t& latency_ns);
    // Counts as lost every datagram sent before `cutoff_ns` and not echoed;
    // returns how many that made.
    std::uint64_t expire(std::int64_t cutoff_ns);

private:
    struct entry {
        std::int64_t sent_ns;
        bool answered;
    };
    void drop_answered_front() noexcept;

    // entries_[i] is datagram first_ + i: sequence numbers go out in order
    // and leave from the front only, so the deque stays contiguous.
    std::deque<entry> entries_;
    std::uint64_t first_ = 0;
    std::size_t unanswered_ = 0;
    std::unordered_set<std::uint64_t> lost_;
};

} // namespace bench
