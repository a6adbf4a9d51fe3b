#include "matcher.hpp"

namespace echo_client::ping {

matcher::matcher(const probe_records& book, std::uint64_t timeout_ns)
    : book_(book), timeout_ns_(timeout_ns), slots_(probe_records::ring_size)
{
}

matcher::slot& matcher::slot_of(std::uint64_t sequence) noexcept
{
    slot& s = slots_[sequence % probe_records::ring_size];
    if (s.sequence != sequence)
        s = {sequence, state::pending};
    return s;
}

verdict matcher::take(const framed& echo, std::uint64_t now_ns)
{
    if (echo.what == framed::kind::garbage) {
        ++tally_.corrupted;
        return {verdict::kind::garbage, 0, 0, 0, echo.bytes};
    }
    const std::uint64_t sequence = echo.header.sequence;
    if (sequence >= book_.sent()) {
        // A well-formed header we never sent: someone else's probe.
        ++tally_.corrupted;
        return {verdict::kind::unknown, sequence, 0, 0, echo.bytes};
    }
    const std::uint64_t rtt = now_ns > echo.header.sent_ns ? now_ns - echo.header.sent_ns : 0;
    if (echo.first_difference) {
        ++tally_.corrupted;
        if (sequence >= oldest_) {
            slot& s = slot_of(sequence);
            if (s.status == state::pending) {
                s.status = state::lost; // no intact echo will come for it
                ++tally_.lost;
            }
        }
        return {verdict::kind::corrupted, sequence, rtt, *echo.first_difference, 0};
    }
    if (sequence < oldest_ && slots_[sequence % probe_records::ring_size].sequence != sequence) {
        // Settled so long ago that its slot went to a later probe.
        ++tally_.duplicated;
        return {verdict::kind::duplicate, sequence, rtt, 0, 0};
    }
    slot& s = sequence < oldest_ ? slots_[sequence % probe_records::ring_size] : slot_of(sequence);
    switch (s.status) {
    case state::pending:
        if (rtt >= timeout_ns_) {
            s.status = state::lost;
            ++tally_.lost;
            ++tally_.late;
            return {verdict::kind::late, sequence, rtt, 0, 0};
        }
        s.status = state::echoed;
        ++tally_.echoed;
        // Over TCP echoes come in order; over UDP one that arrives after a
        // later probe's echo was overtaken on the way.
        if (sequence < next_in_order_)
            ++tally_.reordered;
        else
            next_in_order_ = sequence + 1;
        tally_.round_trip.add(rtt);
        return {verdict::kind::echoed, sequence, rtt, 0, 0};
    case state::echoed:
        ++tally_.duplicated;
        return {verdict::kind::duplicate, sequence, rtt, 0, 0};
    case state::lost:
        ++tally_.late;
        return {verdict::kind::late, sequence, rtt, 0, 0};
    }
    return {verdict::kind::unknown, sequence, 0, 0, 0};
}

std::uint64_t matcher::next_deadline_ns() const noexcept
{
    if (oldest_ >= book_.sent())
        return 0;
    return book_.sent_ns(oldest_) + timeout_ns_;
}

std::uint64_t matcher::in_flight() const noexcept
{
    std::uint64_t n = 0;
    const std::uint64_t sent = book_.sent();
    for (std::uint64_t q = oldest_; q < sent; ++q) {
        const slot& s = slots_[q % probe_records::ring_size];
        if (s.sequence != q || s.status == state::pending)
            ++n;
    }
    return n;
}

} // namespace echo_client::ping
