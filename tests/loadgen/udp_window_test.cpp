// The bookkeeping behind echo-bench udp-rate's figures: which echo answers
// what, what counts as lost, late or never sent, and that a datagram's bytes
// identify it.
#include "datagram.hpp"
#include "in_flight.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using bench::datagrams_in_flight;
using bench::echo_outcome;

TEST(UdpLoadWindow, EachDatagramIsAnsweredOnceInAnyOrder)
{
    datagrams_in_flight w;
    for (int i = 0; i < 3; ++i)
        w.sent(1000);
    EXPECT_EQ(w.unanswered(), 3u);
    EXPECT_EQ(w.next_seq(), 3u);
    std::int64_t latency = 0;
    EXPECT_EQ(w.echoed(2, 1500, latency), echo_outcome::answered);
    EXPECT_EQ(latency, 500);
    EXPECT_EQ(w.echoed(0, 1700, latency), echo_outcome::answered);
    EXPECT_EQ(latency, 700);
    EXPECT_EQ(w.echoed(2, 1800, latency), echo_outcome::unexpected) << "a second echo of the same datagram";
    EXPECT_EQ(w.echoed(0, 1800, latency), echo_outcome::unexpected) << "answered and already left the window";
    EXPECT_EQ(w.echoed(7, 1800, latency), echo_outcome::unexpected) << "never sent";
    EXPECT_EQ(w.unanswered(), 1u);
    EXPECT_EQ(w.echoed(1, 1900, latency), echo_outcome::answered);
    EXPECT_EQ(w.unanswered(), 0u);
    EXPECT_EQ(w.next_seq(), 3u) << "sequence numbers never go back";
}

TEST(UdpLoadWindow, OnlyUnansweredDatagramsSentBeforeTheCutoffAreLost)
{
    datagrams_in_flight w;
    w.sent(100); // 0: lost
    w.sent(200); // 1: answered
    w.sent(300); // 2: lost
    w.sent(900); // 3: still in time
    std::int64_t latency = 0;
    ASSERT_EQ(w.echoed(1, 250, latency), echo_outcome::answered);
    EXPECT_EQ(w.expire(500), 2u);
    EXPECT_EQ(w.unanswered(), 1u);
    EXPECT_EQ(w.expire(500), 0u) << "a loss is counted once";
    EXPECT_EQ(w.echoed(2, 1000, latency), echo_outcome::late);
    EXPECT_EQ(w.echoed(2, 1000, latency), echo_outcome::unexpected) << "late once, then a duplicate";
    EXPECT_EQ(w.echoed(3, 1000, latency), echo_outcome::answered);
    EXPECT_EQ(w.echoed(0, 1100, latency), echo_outcome::late);
    EXPECT_EQ(w.expire(10000), 0u);
    EXPECT_EQ(w.unanswered(), 0u);
}

TEST(UdpLoadDatagram, ReadsBackOnlyTheExactBytesItsSocketSent)
{
    const bench::pattern bytes;
    std::string d(100, '\0');
    bench::fill_datagram(d, 3, 41, bytes);
    const auto seq = bench::read_datagram(d, 100, 3, bytes);
    ASSERT_TRUE(seq.has_value());
    EXPECT_EQ(*seq, 41u);
    EXPECT_FALSE(bench::read_datagram(d, 100, 4, bytes)) << "another socket's datagram";
    EXPECT_FALSE(bench::read_datagram(std::string_view(d).substr(0, 99), 100, 3, bytes)) << "truncated";
    EXPECT_FALSE(bench::read_datagram(d + "x", 100, 3, bytes)) << "longer";
    for (const std::size_t at : {std::size_t{0}, std::size_t{9}, std::size_t{12}, std::size_t{99}}) {
        std::string changed = d;
        changed[at] = static_cast<char>(changed[at] ^ 0x20);
        EXPECT_FALSE(bench::read_datagram(changed, 100, 3, bytes)) << "byte " << at << " changed";
    }
    std::string renumbered(100, '\0');
    bench::fill_datagram(renumbered, 3, 42, bytes);
    std::copy(d.begin(), d.begin() + 8, renumbered.begin()); // header of 41, payload of 42
    EXPECT_FALSE(bench::read_datagram(renumbered, 100, 3, bytes)) << "an old payload under another number";
}

} // namespace
