// The ping histogram: precise to 1 % from 1 µs to 100 s, fixed in size.
#include "ping/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <type_traits>
#include <vector>

namespace {

using echo_client::ping::histogram;

// Nearest rank, as the histogram defines its quantiles.
double exact_quantile(std::vector<std::uint64_t> values, double q)
{
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    rank = std::clamp<std::size_t>(rank, 1, values.size());
    return static_cast<double>(values[rank - 1]);
}

// Every quantile of a distribution spread over the whole range (log-uniform
// from 1 µs to 100 s, so every power of two is populated) is within 1 % of
// the exact one.
TEST(PingHistogram, QuantilesWithinOnePercentFromOneMicrosecondToHundredSeconds)
{
    std::mt19937_64 random(14);
    std::uniform_real_distribution<double> exponent(3.0, 11.0); // 10^3 ns .. 10^11 ns
    std::vector<std::uint64_t> values;
    histogram h;
    for (int i = 0; i < 200'000; ++i) {
        const auto v = static_cast<std::uint64_t>(std::pow(10.0, exponent(random)));
        values.push_back(v);
        h.add(v);
    }
    for (const double q : {0.0001, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999}) {
        const double exact = exact_quantile(values, q);
        EXPECT_NEAR(h.quantile_ns(q), exact, exact * 0.01) << "q=" << q;
    }
}

// The same bound value by value: a single value between two far-off ones
// reads back within 1 % (the middle of a bucket is within 1/256 of any value
// in it).
TEST(PingHistogram, EveryValueReadsBackWithinOnePercent)
{
    for (double v = 1000; v <= 1e11; v *= 1.0137) {
        histogram h;
        h.add(0);
        h.add(static_cast<std::uint64_t>(v));
        h.add(histogram::max_value_ns);
        const double got = h.quantile_ns(0.5);
        ASSERT_NEAR(got, v, v * 0.01) << "value " << v;
        if (v < 5e10) { // not in the top bucket, which reads back as the exact maximum
            ASSERT_NEAR(got, v, v / 256 + 1) << "value " << v;
        }
    }
}

TEST(PingHistogram, MinMaxMeanAndStandardDeviationAreExact)
{
    histogram h;
    for (const std::uint64_t v : {2'000u, 4'000u, 4'000u, 4'000u, 5'000u, 5'000u, 7'000u, 9'000u})
        h.add(v);
    EXPECT_EQ(h.count(), 8u);
    EXPECT_EQ(h.min_ns(), 2'000u);
    EXPECT_EQ(h.max_ns(), 9'000u);
    EXPECT_DOUBLE_EQ(h.mean_ns(), 5'000.0);
    EXPECT_DOUBLE_EQ(h.stddev_ns(), 2'000.0);
}

TEST(PingHistogram, ValuesBeyondHundredSecondsCountAsHundredSeconds)
{
    histogram h;
    h.add(1'000'000'000'000); // 1,000 s
    EXPECT_EQ(h.max_ns(), histogram::max_value_ns);
    EXPECT_NEAR(h.quantile_ns(0.5), 1e11, 1e9);
}

// Fixed memory: no pointer to grow behind (trivially copyable: all of it is
// in the object), and small.
TEST(PingHistogram, FixedSize)
{
    static_assert(std::is_trivially_copyable_v<histogram>);
    EXPECT_LT(sizeof(histogram), 40u * 1024u);
    histogram h;
    for (std::uint64_t v = 0; v < 5'000'000; ++v)
        h.add(v * 20'011);
    EXPECT_EQ(h.count(), 5'000'000u);
}

TEST(PingHistogram, EmptyReadsZero)
{
    const histogram h;
    EXPECT_EQ(h.quantile_ns(0.5), 0.0);
    EXPECT_EQ(h.min_ns(), 0u);
    EXPECT_EQ(h.stddev_ns(), 0.0);
}

} // namespace
