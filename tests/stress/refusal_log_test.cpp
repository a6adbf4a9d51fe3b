// Issue 17, item 5: a source over --max-per-source gets one log line at once
// and, when more refusals follow, one that gives their number; none goes
// uncounted, at shutdown either.
#include "daemon.hpp"
#include "loopback.hpp"
#include "net.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

// Holds the one connection --max-per-source 1 allows, then has `n` more from
// the same address refused (they wait a moment in echod, so at once).
std::vector<echo::unique_fd> refuse_n(stress::daemon& echod, int n)
{
    std::vector<echo::unique_fd> held;
    held.push_back(stress::connect_from("127.0.0.1", echod.port()));
    EXPECT_TRUE(stress::echoes(held.back().get(), "the one allowed\n"));
    std::vector<echo::unique_fd> over;
    for (int i = 0; i < n; ++i)
        over.push_back(stress::connect_from("127.0.0.1", echod.port()));
    for (std::size_t i = 0; i < over.size(); ++i)
        EXPECT_TRUE(test::peer_closes(over[i].get(), 10s)) << "connection " << i + 2 << " was served";
    return held;
}

TEST(RefusalLog, CountsEveryRefusalFromASourceInOneLine)
{
    stress::daemon echod({"--max-per-source", "1"});
    auto held = refuse_n(echod, 20);
    // The first at once, with the client's port.
    EXPECT_TRUE(echod.log_contains("refused connection from 127.0.0.1:")) << echod.log();
    EXPECT_EQ(echod.log_lines_with("refused connection from"), 1u) << echod.log();
    // The sum when the 10 s since the first are over.
    EXPECT_TRUE(echod.log_contains("refused 20 connections from 127.0.0.1 in the last 10 s (max-per-source 1)", 15s))
        << echod.log();
    held.clear();
    EXPECT_EQ(echod.stop(), 0) << echod.log();
    EXPECT_EQ(echod.log_lines_with("connections from 127.0.0.1"), 1u) << echod.log();
}

TEST(RefusalLog, ShutdownSaysHowManyWereRefusedSinceTheLastLine)
{
    stress::daemon echod({"--max-per-source", "1", "--shutdown-timeout", "0"});
    auto held = refuse_n(echod, 5);
    EXPECT_EQ(echod.log_lines_with("connections from 127.0.0.1"), 0u) << echod.log();
    EXPECT_EQ(echod.stop(), 0) << echod.log();
    EXPECT_EQ(echod.log_lines_with("refused 5 connections from 127.0.0.1 in the last "), 1u) << echod.log();
}

} // namespace
