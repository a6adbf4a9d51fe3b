// Descriptor hygiene: a child keeps its connection and stdio, nothing else
// (a child holding the listener would keep the port open after echod dies);
// the parent keeps its listener, not the connections it handed over.
#include "helpers.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

TEST(Descriptors, ChildHoldsOnlyItsConnectionAndParentOnlyItsListener)
{
    test::echod_instance echod;
    const auto listener = itest::sockets_of(echod.pid());
    ASSERT_EQ(listener.size(), 1U) << "expected one listening socket";

    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(fd.get(), "ping\n");
    ASSERT_EQ(test::read_exactly(fd.get(), 5), "ping\n"); // the child is serving now

    const auto children = itest::live_children(echod.pid());
    ASSERT_EQ(children.size(), 1U);
    const pid_t child = children.front();

    std::vector<std::string> extra; // descriptors of the child beyond stdio
    for (const auto& [number, target] : itest::descriptors_of(child))
        if (number > 2)
            extra.push_back(std::to_string(number) + " -> " + target);
    ASSERT_EQ(extra.size(), 1U) << "child " << child << " holds more than its connection: "
                                << ::testing::PrintToString(extra);
    const auto child_sockets = itest::sockets_of(child);
    ASSERT_EQ(child_sockets.size(), 1U);
    EXPECT_EQ(listener.count(*child_sockets.begin()), 0U) << "the child's one socket is the listener";

    // The parent closes its copy of the connection right after fork; the
    // child may answer a few microseconds before that, hence "eventually".
    EXPECT_TRUE(test::eventually([&] { return itest::sockets_of(echod.pid()) == listener; }, 5s))
        << "echod still holds " << ::testing::PrintToString(itest::sockets_of(echod.pid()))
        << ", its listener is " << ::testing::PrintToString(listener);
}

// Every descriptor echod opens is close-on-exec; the listener of a dead
// echod must not survive in anything it started. Checked from outside: after
// SIGTERM, the port is free for a new echod at once.
TEST(Descriptors, PortIsFreeRightAfterEchodStops)
{
    unsigned port = 0;
    {
        test::echod_instance first;
        port = first.port();
        EXPECT_EQ(itest::echo_once(port, "x"), "x");
        ASSERT_EQ(first.stop(), 0);
    }
    test::echod_instance second(std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(port)});
    EXPECT_EQ(second.port(), port);
    EXPECT_EQ(itest::echo_once(port, "y"), "y");
}

} // namespace
