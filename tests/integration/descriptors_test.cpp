// Descriptor hygiene: a child keeps its connection and stdio, nothing else
// (a child holding the listener would keep the port open after echod dies);
// the parent keeps its listener, not the connections it handed over.
#include "helpers.hpp"

#include <sys/syscall.h>

#include <gtest/gtest.h>

#include <cerrno>

namespace {

using namespace std::chrono_literals;

void expect_child_holds_only_its_connection(test::echod_setup setup)
{
    test::echod_instance echod(std::move(setup));
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

TEST(Descriptors, ChildHoldsOnlyItsConnectionAndParentOnlyItsListener)
{
    expect_child_holds_only_its_connection({});
}

// Where close_range() is missing (a kernel before 5.9, a seccomp filter that
// answers ENOSYS), the child closes what it must not keep one by one: a
// child holding the listener would keep the port after echod dies.
TEST(Descriptors, ChildClosesWhatItMustNotKeepWithoutCloseRange)
{
    // Probed first: a container may refuse seccomp filters altogether.
    const auto probe = itest::run_echod({"--version"}, [] { itest::fail_syscall_in_child(SYS_close_range, ENOSYS); });
    if (probe.status == itest::seccomp_unavailable)
        GTEST_SKIP() << "cannot install a seccomp filter here";
    test::echod_setup setup;
    setup.in_child = [] { itest::fail_syscall_in_child(SYS_close_range, ENOSYS); };
    expect_child_holds_only_its_connection(std::move(setup));
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
