// With WATCHDOG_USEC set, echod pings at half the interval from its main
// loop; without it, never.
#include "notified_echod.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <thread>

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

// Issue 16, defect 1: a passing shortage of descriptors (or memory) while
// echod talks to systemd must not end its watchdog pings: systemd would kill
// a healthy echod WatchdogSec later.
// Runs `during` while echod can open no descriptor at all.
template <typename F>
void with_no_descriptors(pid_t pid, F during)
{
    rlimit before{};
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &before), 0) << std::strerror(errno);
    const rlimit none{0, before.rlim_max};
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &none, nullptr), 0) << std::strerror(errno);
    during();
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &before, nullptr), 0) << std::strerror(errno);
}

TEST_F(Watchdog, PingsResumeAfterABriefDescriptorShortage)
{
    test::echod_setup setup;
    setup.env = {"WATCHDOG_USEC=200000"};
    ASSERT_TRUE(start(setup));
    ASSERT_GE(pings_within(systemd, 700ms), 2) << echod->log();

    // Neither the library nor a socket to systemd can be opened meanwhile.
    with_no_descriptors(echod->pid(), [] { std::this_thread::sleep_for(600ms); });

    (void)pings_within(systemd, 300ms); // drain what was sent around the change
    EXPECT_GE(pings_within(systemd, 1500ms), 5) << "no watchdog pings after the shortage ended; log:\n"
                                                 << echod->log();
    EXPECT_TRUE(test::alive(echod->pid()));
    EXPECT_TRUE(echod->log_contains("notifying systemd again")) << echod->log();
}

TEST_F(Watchdog, StateChangesLostInAShortageAreSentAfterIt)
{
    ASSERT_TRUE(start());
    // A reload meanwhile: its RELOADING=1 and READY=1 cannot go out then.
    with_no_descriptors(echod->pid(), [this] {
        echod->proc().signal(SIGHUP);
        ASSERT_TRUE(echod->log_contains("cannot notify systemd")) << echod->log();
    });
    const auto after = systemd.wait_for("READY=1", 3s);
    ASSERT_TRUE(after) << "READY=1 after the reload never reached systemd; log:\n" << echod->log();
    EXPECT_TRUE(test::has_field(*after, "RELOADING=1")) << "the state changes are sent in order: " << *after;
}

} // namespace
