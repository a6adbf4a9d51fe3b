// The probe format: what the writer puts in, the reader can check.
#include "ping/probe.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace echo_client::ping;

TEST(PingProbe, HeaderRoundTrips)
{
    for (const std::size_t size : {min_probe_size, std::size_t{64}, std::size_t{1000}, max_probe_size}) {
        std::vector<char> p(size);
        write_probe(p, {123456789, 987654321012345});
        const auto h = read_header(p);
        ASSERT_TRUE(h) << size;
        EXPECT_EQ(h->sequence, 123456789u);
        EXPECT_EQ(h->sent_ns, 987654321012345u);
        EXPECT_FALSE(first_difference(p, *h)) << size;
    }
}

TEST(PingProbe, ProbesDifferFromEachOther)
{
    std::vector<char> a(64), b(64);
    write_probe(a, {1, 1000});
    write_probe(b, {2, 1000});
    EXPECT_NE(a, b);
}

// Any changed byte is found, at its offset: in the header the check fails,
// after it the pattern does.
TEST(PingProbe, EveryChangedByteIsNoticed)
{
    std::vector<char> original(300);
    write_probe(original, {42, 5'000'000});
    for (std::size_t i = 0; i < original.size(); ++i) {
        auto p = original;
        p[i] = static_cast<char>(p[i] ^ 0x20);
        const auto h = read_header(p);
        if (i < header_size) {
            EXPECT_FALSE(h) << i;
        } else {
            ASSERT_TRUE(h) << i;
            EXPECT_EQ(first_difference(p, *h), i);
        }
    }
}

} // namespace
