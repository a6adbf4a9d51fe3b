// The token buckets of UDP echo (server/udp/rate_limiter.hpp) on a clock
// the test moves: per source, in total, in bytes, and in fixed memory.
#include "udp/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <string>

namespace {

using namespace std::chrono_literals;
using echod::udp::clock;
using echod::udp::rate_limiter;
using echod::udp::refusal;

echod::source_key source(const std::string& v4)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, v4.c_str(), &a.sin_addr);
    return echod::source_of(reinterpret_cast<const sockaddr*>(&a));
}

echod::udp_settings only(unsigned per_source, unsigned long bytes_per_source, unsigned total, unsigned long bytes_total)
{
    return {per_source, bytes_per_source, total, bytes_total};
}

unsigned admitted(rate_limiter& limiter, const echod::source_key& who, unsigned tries, std::size_t bytes,
                  clock::time_point now)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tries; ++i)
        n += limiter.admit(who, bytes, now) == refusal::none;
    return n;
}

TEST(UdpRateLimiter, ASourceGetsOneSecondsWorthThenItsRate)
{
    rate_limiter limiter(only(10, 0, 0, 0));
    const auto t0 = clock::now();
    const auto a = source("192.0.2.7");
    EXPECT_EQ(admitted(limiter, a, 100, 10, t0), 10U);
    EXPECT_EQ(limiter.admit(a, 10, t0), refusal::over_source_rate);
    EXPECT_EQ(admitted(limiter, a, 100, 10, t0 + 500ms), 5U);
    EXPECT_EQ(admitted(limiter, a, 100, 10, t0 + 10s), 10U) << "the bucket holds one second, no more";
}

TEST(UdpRateLimiter, OneSourceOverItsRateLeavesOthersAlone)
{
    rate_limiter limiter(only(5, 0, 0, 0));
    const auto t0 = clock::now();
    EXPECT_EQ(admitted(limiter, source("192.0.2.7"), 1000, 1, t0), 5U);
    EXPECT_EQ(admitted(limiter, source("192.0.2.8"), 1000, 1, t0), 5U);
}

TEST(UdpRateLimiter, BytesAreCountedToo)
{
    rate_limiter limiter(only(0, 100'000, 0, 0));
    const auto t0 = clock::now();
    const auto a = source("192.0.2.7");
    EXPECT_EQ(admitted(limiter, a, 100, 10'000, t0), 10U);
    EXPECT_EQ(limiter.admit(a, 1, t0), refusal::over_source_rate);
    EXPECT_EQ(admitted(limiter, a, 100, 10'000, t0 + 100ms), 1U);
}

TEST(UdpRateLimiter, TheLargestDatagramFitsAnySmallByteBucket)
{
    rate_limiter limiter(only(0, 1000, 0, 1000));
    EXPECT_EQ(limiter.admit(source("192.0.2.7"), 65'507, clock::now()), refusal::none);
}

TEST(UdpRateLimiter, TheTotalCapsAllSources)
{
    rate_limiter limiter(only(0, 0, 20, 0));
    const auto t0 = clock::now();
    unsigned n = 0;
    for (int i = 0; i < 100; ++i)
        n += limiter.admit(source("192.0.2." + std::to_string(i)), 1, t0) == refusal::none;
    EXPECT_EQ(n, 20U);
    EXPECT_EQ(limiter.admit(source("198.51.100.1"), 1, t0), refusal::over_total_rate);
}

TEST(UdpRateLimiter, ARefusalByTheTotalCostsTheSourceNothing)
{
    rate_limiter limiter(only(3, 0, 1, 0));
    const auto t0 = clock::now();
    const auto a = source("192.0.2.7");
    EXPECT_EQ(limiter.admit(a, 1, t0), refusal::none);
    EXPECT_EQ(limiter.admit(a, 1, t0), refusal::over_total_rate);
    EXPECT_EQ(limiter.admit(a, 1, t0), refusal::over_total_rate);
    // One second later the total has one token again, and the source still two of its three.
    EXPECT_EQ(admitted(limiter, a, 10, 1, t0 + 1s), 1U);
}

TEST(UdpRateLimiter, NoLimitsAdmitsEverything)
{
    rate_limiter limiter(only(0, 0, 0, 0));
    EXPECT_EQ(admitted(limiter, source("192.0.2.7"), 100'000, 65'507, clock::now()), 100'000U);
}

TEST(UdpRateLimiter, ManySourcesShareTheOverflowNotTheBusyOnesBuckets)
{
    // 16 slots: a flood from thousands of addresses cannot grow the table,
    // and cannot take the slot of a source that still owes tokens.
    rate_limiter limiter(only(2, 0, 0, 0), 16);
    const auto t0 = clock::now();
    const auto busy = source("198.51.100.1");
    EXPECT_EQ(admitted(limiter, busy, 10, 1, t0), 2U);
    for (int i = 0; i < 4000; ++i)
        (void)limiter.admit(source("10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".1"), 1, t0);
    EXPECT_GT(limiter.overflowed(), 0U);
    EXPECT_EQ(limiter.admit(busy, 1, t0), refusal::over_source_rate) << "its empty bucket was not handed away";
    // Once its bucket has filled up again, the source owes nothing and may be forgotten.
    EXPECT_EQ(admitted(limiter, busy, 10, 1, t0 + 2s), 2U);
}

} // namespace
