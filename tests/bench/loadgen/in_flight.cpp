#include "in_flight.hpp"

namespace bench {

void datagrams_in_flight::sent(std::int64_t now_ns)
{
    entries_.push_back({now_ns, false});
    ++unanswered_;
}

echo_outcome datagrams_in_flight::echoed(std::uint64_t seq, std::int64_t now_ns, std::int64_t& latency_ns)
{
    if (seq >= first_ && seq < next_seq()) {
        entry& e = entries_[seq - first_];
        if (e.answered)
            return echo_outcome::unexpected;
        e.answered = true;
        --unanswered_;
        latency_ns = now_ns - e.sent_ns;
        drop_answered_front();
        return echo_outcome::answered;
    }
    // Each lost datagram may come back late once; a second time is a duplicate.
    return lost_.erase(seq) == 1 ? echo_outcome::late : echo_outcome::unexpected;
}

std::uint64_t datagrams_in_flight::expire(std::int64_t cutoff_ns)
{
    std::uint64_t lost = 0;
    // Sent in order, so the oldest unanswered datagram is at the front.
    while (!entries_.empty() && entries_.front().sent_ns < cutoff_ns) {
        if (!entries_.front().answered) {
            lost_.insert(first_);
            --unanswered_;
            ++lost;
        }
        entries_.pop_front();
        ++first_;
    }
    drop_answered_front();
    return lost;
}

void datagrams_in_flight::drop_answered_front() noexcept
{
    while (!entries_.empty() && entries_.front().answered) {
        entries_.pop_front();
        ++first_;
    }
}

} // namespace bench
