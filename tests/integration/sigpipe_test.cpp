// A client that resets while its echo is flowing makes its child's send fail
// (EPIPE/ECONNRESET). That must end that child normally, never by SIGPIPE,
// and never disturb echod or the other sessions.
#include "helpers.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <gtest/gtest.h>


namespace {

using namespace std::chrono_literals;

TEST(Sigpipe, ResetMidStreamEndsOnlyItsOwnChild)
{
    test::echod_instance echod;
    auto other = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(other.get(), "other\n");
    ASSERT_EQ(test::read_exactly(other.get(), 6), "other\n");
    const auto before = itest::live_children(echod.pid());
    ASSERT_EQ(before.size(), 1U);
    const pid_t other_child = before.front();

    // Send without reading until our send buffer stays full. Then the
    // child's receive buffer is full too: it has stopped reading because it
    // is stuck writing the echo back to us (however it writes).
    auto victim = test::connect_tcp("127.0.0.1", echod.port());
    ASSERT_EQ(::fcntl(victim.get(), F_SETFL, O_NONBLOCK), 0);
    const std::string chunk = test::random_bytes(64 << 10, 3);
    int full_in_a_row = 0;
    const bool stuck = test::eventually(
        [&] {
            const ssize_t n = ::send(victim.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
            full_in_a_row = n < 0 && errno == EAGAIN ? full_in_a_row + 1 : 0;
            return full_in_a_row >= 20; // still full after ~100 ms of retries
        },
        30s);
    ASSERT_TRUE(stuck) << "the echo never backed up";
    pid_t victim_child = -1;
    for (pid_t pid : itest::live_children(echod.pid()))
        if (pid != other_child)
            victim_child = pid;
    ASSERT_GT(victim_child, 0);

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
