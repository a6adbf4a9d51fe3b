// The reader's books: echoed, duplicated, late, lost by timeout.
#include "ping/matcher.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace echo_client::ping;

constexpr std::uint64_t ms = 1'000'000;

framed intact(std::uint64_t sequence, std::uint64_t sent_ns)
{
    return {framed::kind::probe, {sequence, sent_ns}, std::nullopt, 64};
}

TEST(PingMatcher, EchoDuplicateLateAndLost)
{
    probe_book shared; // the mapping the two processes share, as a run makes it
    auto& book = shared.get();
    matcher m(book, 100 * ms);
    for (std::uint64_t i = 0; i < 4; ++i)
        book.record_sent(i, 1000 * ms + i * 10 * ms);

    auto v = m.take(intact(0, 1000 * ms), 1001 * ms);
    EXPECT_EQ(v.what, verdict::kind::echoed);
    EXPECT_EQ(v.round_trip_ns, 1 * ms);
    EXPECT_EQ(m.take(intact(0, 1000 * ms), 1002 * ms).what, verdict::kind::duplicate);

    // Probe 1 was due back at 1110 ms, probe 2 is due at 1120 ms.
    std::vector<std::uint64_t> lost;
    m.expire(1115 * ms, false, [&](std::uint64_t s) { lost.push_back(s); });
    EXPECT_EQ(lost, (std::vector<std::uint64_t>{1}));
    EXPECT_EQ(m.next_deadline_ns(), 1120 * ms);

    EXPECT_EQ(m.take(intact(1, 1010 * ms), 1116 * ms).what, verdict::kind::late);
    EXPECT_EQ(m.take(intact(2, 1020 * ms), 1119 * ms).what, verdict::kind::echoed);
    // Back after its timeout, before expire() ran: late, and lost all the same.
    EXPECT_EQ(m.take(intact(3, 1030 * ms), 1131 * ms).what, verdict::kind::late);
    m.expire(1131 * ms, false, [&](std::uint64_t s) { lost.push_back(s); });
    EXPECT_EQ(m.settled(), 4u);

    const tally& t = m.counts();
    EXPECT_EQ(t.echoed, 2u);
    EXPECT_EQ(t.lost, 2u);
    EXPECT_EQ(t.late, 2u);
    EXPECT_EQ(t.duplicated, 1u);
    EXPECT_EQ(t.round_trip.count(), 2u);
    EXPECT_EQ(t.round_trip.max_ns(), 99 * ms);
}

// A probe whose echo came back changed is lost at once: no intact echo of
// it can follow.
TEST(PingMatcher, CorruptedEchoLosesItsProbe)
{
    probe_book shared; // the mapping the two processes share, as a run makes it
    auto& book = shared.get();
    matcher m(book, 100 * ms);
    book.record_sent(0, 1000 * ms);
    framed bad = intact(0, 1000 * ms);
    bad.first_difference = 30;
    const auto v = m.take(bad, 1001 * ms);
    EXPECT_EQ(v.what, verdict::kind::corrupted);
    EXPECT_EQ(v.first_difference, 30u);
    m.expire(1001 * ms, false, [](std::uint64_t) {});
    EXPECT_EQ(m.settled(), 1u);
    EXPECT_EQ(m.counts().lost, 1u);
    EXPECT_EQ(m.counts().corrupted, 1u);
    EXPECT_EQ(m.counts().echoed, 0u);
}

TEST(PingMatcher, AProbeNeverSentIsCorruption)
{
    probe_book shared; // the mapping the two processes share, as a run makes it
    auto& book = shared.get();
    matcher m(book, 100 * ms);
    book.record_sent(0, 1000 * ms);
    EXPECT_EQ(m.take(intact(7, 1000 * ms), 1001 * ms).what, verdict::kind::unknown);
    EXPECT_EQ(m.counts().corrupted, 1u);
}

TEST(PingMatcher, InFlightCountsWhatIsNeitherEchoedNorLost)
{
    probe_book shared; // the mapping the two processes share, as a run makes it
    auto& book = shared.get();
    matcher m(book, 100 * ms);
    for (std::uint64_t i = 0; i < 3; ++i)
        book.record_sent(i, 1000 * ms);
    (void)m.take(intact(1, 1000 * ms), 1001 * ms);
    EXPECT_EQ(m.in_flight(), 2u);
}

} // namespace
