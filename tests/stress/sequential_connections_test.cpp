// Connections one after another, 20,000 by default (scripts/test --full sets
// ECHO_SEQUENTIAL_CONNECTIONS=100000): the parent must not keep anything of
// them (zombies, descriptors, memory). 20,000 already shows a leak of a few
// dozen bytes per connection against the parent's RSS; 100,000 took five
// minutes on a loaded 2-core machine, most of the default run's stress time.
#include "daemon.hpp"
#include "loopback.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using namespace std::chrono_literals;

// Spread over eight source addresses: each closed connection leaves a
// TIME_WAIT socket on our side for a minute, and one address has only
// ~28,000 ephemeral ports.
const char* const sources[] = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5",
                               "127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9"};

void connect_echo_close(unsigned port, unsigned i)
{
    const auto fd = stress::connect_from(sources[i % 8], port);
    const std::string payload = "connection " + std::to_string(i) + "\n";
    ASSERT_TRUE(stress::echoes(fd.get(), payload)) << "connection " << i;
}

#ifdef ECHO_STRESS_SANITIZED
// Under ASan a fork costs ~4x more (213/s measured): a tenth of the
// connections keeps the run bounded, and RSS is not compared because ASan's
// quarantine holds freed memory on purpose (it grew 14 -> 50 MiB).
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif

// Under ASan a tenth of them.
unsigned connections_to_make()
{
    const char* n = std::getenv("ECHO_SEQUENTIAL_CONNECTIONS");
    const unsigned wanted = n ? static_cast<unsigned>(std::strtoul(n, nullptr, 10)) : 20'000;
    return sanitized ? wanted / 10 : wanted;
}

TEST(SequentialConnections, ParentKeepsNothingOfManyConnections)
{
    constexpr unsigned warm_up = 1000;
    const unsigned total = std::max(connections_to_make(), warm_up + 1);
    stress::daemon echod({"--log-level", "warning"});

    for (unsigned i = 0; i < warm_up; ++i)
        ASSERT_NO_FATAL_FAILURE(connect_echo_close(echod.port(), i));
    ASSERT_TRUE(stress::all_children_reaped(echod.pid()));
    const int fds_before = test::open_fd_count(echod.pid());
    const long rss_before = test::rss_kib(echod.pid());

    const auto started = std::chrono::steady_clock::now();
    for (unsigned i = warm_up; i < total; ++i)
        ASSERT_NO_FATAL_FAILURE(connect_echo_close(echod.port(), i));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;

    ASSERT_TRUE(stress::all_children_reaped(echod.pid())) << test::zombie_children(echod.pid()) << " zombies";
    EXPECT_EQ(test::zombie_children(echod.pid()), 0);
    const int fds_after = test::open_fd_count(echod.pid());
    const long rss_after = test::rss_kib(echod.pid());
    std::printf("%u connections in %.1f s (%.0f/s); parent: %d -> %d descriptors, RSS %ld -> %ld KiB\n",
                total - warm_up, took.count(), (total - warm_up) / took.count(), fds_before, fds_after, rss_before,
                rss_after);
    EXPECT_EQ(fds_after, fds_before);
    if (!sanitized) {
        EXPECT_GE(rss_after, rss_before * 9 / 10);
        EXPECT_LE(rss_after, rss_before * 11 / 10);
    }
    EXPECT_TRUE(test::alive(echod.pid()));
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
