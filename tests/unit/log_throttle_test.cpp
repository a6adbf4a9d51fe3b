// The throttle of every rate-limited log (server/logging/log_throttle.hpp)
// on a clock the test moves: lines per interval, the count of what was left
// out, and that no event goes uncounted.
#include "logging/log_throttle.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using echod::log_throttle;
using clock_type = log_throttle::clock;

TEST(LogThrottle, TheFirstLinesOfAnIntervalAreWrittenTheRestCounted)
{
    log_throttle t(10s, 3);
    const auto t0 = clock_type::now();
    unsigned written = 0;
    for (int i = 0; i < 100; ++i)
        written += t.admit(t0 + i * 10ms);
    EXPECT_EQ(written, 3U);
    EXPECT_FALSE(t.take_summary(t0 + 5s)) << "the interval has not ended";
    const auto s = t.take_summary(t0 + 12s);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->written, 3U);
    EXPECT_EQ(s->suppressed, 97U);
    EXPECT_EQ(s->span, clock_type::duration(10s)) << "a late summary still speaks of its interval";
}

TEST(LogThrottle, AfterTheSummaryTheNextEventIsWrittenAgain)
{
    log_throttle t(10s);
    const auto t0 = clock_type::now();
    EXPECT_TRUE(t.admit(t0));
    EXPECT_FALSE(t.admit(t0 + 1s));
    ASSERT_TRUE(t.take_summary(t0 + 10s));
    EXPECT_EQ(t.due(), clock_type::time_point::max()) << "nothing open";
    EXPECT_TRUE(t.admit(t0 + 11s));
    EXPECT_EQ(t.due(), t0 + 21s);
}

TEST(LogThrottle, AtExitTheOpenIntervalIsSummedUpAtOnce)
{
    log_throttle t(10s);
    const auto t0 = clock_type::now();
    EXPECT_TRUE(t.admit(t0, 5)); // five at once: one line, four counted
    const auto s = t.take_summary(t0 + 2s, true);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->written + s->suppressed, 5U);
    EXPECT_EQ(s->span, clock_type::duration(2s));
}

TEST(LogThrottle, NoLinesOnlyCounts)
{
    log_throttle t(10s, 0);
    const auto t0 = clock_type::now();
    EXPECT_FALSE(t.admit(t0, 3));
    EXPECT_FALSE(t.admit(t0 + 1s));
    const auto s = t.take_summary(t0 + 10s);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->written, 0U);
    EXPECT_EQ(s->suppressed, 4U);
}

TEST(LogThrottle, WithoutASummaryTheCountCarriesIntoTheNextInterval)
{
    // A complaint's count goes with its next line, however late that is.
    log_throttle t(1s);
    const auto t0 = clock_type::now();
    EXPECT_TRUE(t.admit(t0));
    EXPECT_FALSE(t.admit(t0 + 100ms));
    EXPECT_FALSE(t.admit(t0 + 200ms));
    EXPECT_TRUE(t.admit(t0 + 5s));
    const auto s = t.take_summary(t0 + 6s);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->suppressed, 2U);
}

} // namespace
