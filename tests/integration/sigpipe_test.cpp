// A client that resets while its echo is flowing makes its child's send fail
// (EPIPE/ECONNRESET). That must end that child normally, never by SIGPIPE,
// and never disturb echod or the other sessions.
#include "helpers.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <gtest/gtest.h>

#include <fstream>

namespace {

using namespace std::chrono_literals;

// True when `pid` sleeps in sendto(2): its echo is stuck on our full buffer.
bool blocked_in_send(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/syscall");
    std::string nr;
    return (in >> nr) && nr == std::to_string(SYS_sendto);
}

TEST(Sigpipe, ResetMidStreamEndsOnlyItsOwnChild)
{
    test::echod_instance echod;
    auto other = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(other.get(), "other\n");
    ASSERT_EQ(test::read_exactly(other.get(), 6), "other\n");
    const auto before = itest::live_children(echod.pid());
    ASSERT_EQ(before.size(), 1U);
    const pid_t other_child = before.front();

    // Send without reading until the child is blocked writing the echo back.
    auto victim = test::connect_tcp("127.0.0.1", echod.port());
    ASSERT_EQ(::fcntl(victim.get(), F_SETFL, O_NONBLOCK), 0);
    const std::string chunk = test::random_bytes(64 << 10, 3);
    pid_t victim_child = -1;
    const bool stuck = test::eventually(
        [&] {
            (void)::send(victim.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
            for (pid_t pid : itest::live_children(echod.pid()))
                if (pid != other_child)
                    victim_child = pid;
            return victim_child > 0 && blocked_in_send(victim_child);
        },
        20s);
    ASSERT_TRUE(stuck) << "the victim's child never blocked in send";

    test::set_linger_reset(victim.get());
    victim.reset(); // RST while the child is in the middle of sending

    EXPECT_TRUE(test::eventually([&] { return !test::alive(victim_child); }))
        << "child " << victim_child << " survived the reset";
    EXPECT_TRUE(echod.log_contains(" ended: ")) << echod.log();
    const std::string log = echod.log();
    EXPECT_EQ(log.find("killed by signal"), std::string::npos) << "a child died of a signal:\n" << log;
    EXPECT_TRUE(log.find("client went away") != std::string::npos || log.find("reset by client") != std::string::npos)
        << log;

    // echod and the other session carry on.
    EXPECT_TRUE(test::alive(echod.pid()));
    EXPECT_TRUE(test::alive(other_child));
    test::send_all(other.get(), "still fine\n");
    EXPECT_EQ(test::read_exactly(other.get(), 11), "still fine\n");
    EXPECT_EQ(itest::echo_once(echod.port(), "newcomer\n"), "newcomer\n");
}

} // namespace
