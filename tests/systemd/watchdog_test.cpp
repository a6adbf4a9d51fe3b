// With WATCHDOG_USEC set, echod pings at half the interval from its main
// loop; without it, never.
#include "notified_echod.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

using Watchdog = test::notified_echod;

int pings_within(test::notify_listener& systemd, std::chrono::milliseconds window)
{
    int pings = 0;
    const auto end = std::chrono::steady_clock::now() + window;
    while (std::chrono::steady_clock::now() < end) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (const auto m = systemd.next(std::max(left, 1ms)); m && test::has_field(*m, "WATCHDOG=1"))
            ++pings;
    }
    return pings;
}

TEST_F(Watchdog, PingsAtHalfTheInterval)
{
    test::echod_setup setup;
    setup.env = {"WATCHDOG_USEC=200000"};
    ASSERT_TRUE(start(setup));
    // Every 100 ms: at least 5 in 1.5 s even on a loaded machine, and not a flood.
    const int pings = pings_within(systemd, 1500ms);
    EXPECT_GE(pings, 5);
    EXPECT_LE(pings, 30);
}

TEST_F(Watchdog, SilentWithoutWatchdogUsec)
{
    ASSERT_TRUE(start());
    EXPECT_EQ(pings_within(systemd, 700ms), 0);
}

} // namespace
