// SIGTERM to echod: stop accepting at once, let open connections finish
// within --shutdown-timeout, then end them; exit 0 with no child left.
#include "helpers.hpp"

#include <signal.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace std::chrono_literals;

// Opens a connection and waits until its child answers; returns the child.
pid_t open_session(test::echod_instance& echod, echo::unique_fd& fd)
{
    const auto before = itest::live_children(echod.pid());
    fd = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(fd.get(), "hello\n");
    if (test::read_exactly(fd.get(), 6) != "hello\n")
        throw std::runtime_error("no echo");
    for (pid_t pid : itest::live_children(echod.pid()))
        if (std::find(before.begin(), before.end(), pid) == before.end())
            return pid;
    throw std::runtime_error("no child for the new connection");
}

// Connections open at SIGTERM keep being served during the grace period,
// new ones are refused, and echod exits 0 as soon as the last one closes.
TEST(Shutdown, OpenConnectionsFinishDuringGracePeriod)
{
    test::echod_instance echod(std::vector<std::string>{"--shutdown-timeout", "60"});
    const unsigned port = echod.port();
    echo::unique_fd fd;
    const pid_t child = open_session(echod, fd);

    echod.proc().signal(SIGTERM);
    ASSERT_TRUE(echod.log_contains("shutting down")) << echod.log();
    EXPECT_EQ(itest::connect_errno("127.0.0.1", port), ECONNREFUSED) << "echod still accepts after SIGTERM";

    // The open connection still echoes, and half-close still gets the rest.
    test::send_all(fd.get(), "during the grace period\n");
    EXPECT_EQ(test::read_exactly(fd.get(), 24), "during the grace period\n");
    ASSERT_TRUE(test::alive(echod.pid()));
    ::shutdown(fd.get(), SHUT_WR);
    EXPECT_EQ(test::read_to_eof(fd.get()), "");

    const auto status = echod.proc().wait_for(30s); // far less than the 60 s grace
    ASSERT_TRUE(status.has_value()) << "echod did not exit when its last connection closed";
    EXPECT_EQ(*status, 0) << echod.log();
    EXPECT_FALSE(test::alive(child));
}

// A connection that outlives the grace period is ended (the client sees the
// close), and echod still exits 0 with no child left behind.
TEST(Shutdown, GracePeriodEndsLingeringConnections)
{
    test::echod_instance echod(std::vector<std::string>{"--shutdown-timeout", "1"});
    echo::unique_fd fd;
    const pid_t child = open_session(echod, fd);

    echod.proc().signal(SIGTERM);
    ASSERT_TRUE(echod.log_contains("shutting down")) << echod.log();
    test::send_all(fd.get(), "still here\n");
    EXPECT_EQ(test::read_exactly(fd.get(), 11), "still here\n");

    EXPECT_TRUE(test::peer_closes(fd.get(), 20s)) << "the connection was never ended";
    const auto status = echod.proc().wait_for(20s);
    ASSERT_TRUE(status.has_value()) << "echod did not exit after the grace period";
    EXPECT_EQ(*status, 0) << echod.log();
    EXPECT_FALSE(test::alive(child)) << "child " << child << " outlived echod";
    EXPECT_NE(echod.log().find("ending 1 connection"), std::string::npos) << echod.log();
}

// --shutdown-timeout 0: children are ended at once.
TEST(Shutdown, ZeroTimeoutEndsConnectionsAtOnce)
{
    test::echod_instance echod(std::vector<std::string>{"--shutdown-timeout", "0"});
    echo::unique_fd a, b;
    const pid_t child_a = open_session(echod, a);
    const pid_t child_b = open_session(echod, b);

    echod.proc().signal(SIGTERM);
    EXPECT_TRUE(test::peer_closes(a.get(), 10s));
    EXPECT_TRUE(test::peer_closes(b.get(), 10s));
    const auto status = echod.proc().wait_for(10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0) << echod.log();
    EXPECT_FALSE(test::alive(child_a));
    EXPECT_FALSE(test::alive(child_b));
}

// SIGINT (Ctrl-C in a terminal) is a shutdown request too.
TEST(Shutdown, SigintWithoutConnectionsExitsZero)
{
    test::echod_instance echod;
    EXPECT_EQ(echod.stop(SIGINT), 0) << echod.log();
}

} // namespace
