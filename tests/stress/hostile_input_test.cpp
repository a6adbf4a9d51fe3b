// What a hostile or broken client may send: echod echoes it or drops that
// one connection, and goes on serving.
#include "daemon.hpp"
#include "loopback.hpp"
#include "net.hpp"
#include "proc.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

class HostileInput : public ::testing::Test {
protected:
    void TearDown() override
    {
        // After every attack: still alive, still serving, nothing left unreaped.
        ASSERT_TRUE(test::alive(echod.pid())) << echod.log();
        EXPECT_TRUE(stress::echoes(stress::connect_from("127.0.0.1", echod.port()).get(), "are you still there?\n"));
        EXPECT_TRUE(stress::all_children_reaped(echod.pid()));
        EXPECT_EQ(test::zombie_children(echod.pid()), 0);
        EXPECT_EQ(echod.stop(), 0) << echod.log();
    }

    stress::daemon echod{{"--log-level", "info"}};
};

TEST_F(HostileInput, RandomBinaryData)
{
    const auto fd = stress::connect_from("127.0.0.1", echod.port());
    const std::string data = test::random_bytes(4 << 20, 7);
    EXPECT_EQ(stress::read_while_writing(fd.get(), data.size(), [&](int s) { test::send_all(s, data); }), data);
}

TEST_F(HostileInput, ZeroByteWrites)
{
    const auto fd = stress::connect_from("127.0.0.1", echod.port());
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(::write(fd.get(), "", 0), 0);
        ASSERT_EQ(::send(fd.get(), "", 0, MSG_NOSIGNAL), 0);
    }
    EXPECT_TRUE(stress::echoes(fd.get(), "after nothing at all\n"));
}

TEST_F(HostileInput, SixteenMegabytesInOneWrite)
{
    const auto fd = stress::connect_from("127.0.0.1", echod.port());
    const std::string data = test::random_bytes(16 << 20, 16);
    const auto got = stress::read_while_writing(fd.get(), data.size(), [&](int s) {
        // One write(2) call; it blocks until the echo being read makes room.
        const ssize_t n = ::write(s, data.data(), data.size());
        if (n != static_cast<ssize_t>(data.size()))
            throw std::runtime_error("short write: " + std::to_string(n));
    });
    EXPECT_TRUE(got == data);
}

TEST_F(HostileInput, ThousandsOfOneByteWrites)
{
    const auto fd = stress::connect_from("127.0.0.1", echod.port());
    const int on = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on); // one segment per byte
    const std::string data = test::random_bytes(5000, 1);
    const auto got = stress::read_while_writing(fd.get(), data.size(), [&](int s) {
        for (char c : data)
            if (::send(s, &c, 1, MSG_NOSIGNAL) != 1)
                throw std::runtime_error("send of one byte failed");
    });
    EXPECT_EQ(got, data);
}

TEST_F(HostileInput, ResetInTheMiddle)
{
    for (int i = 0; i < 20; ++i) {
        const auto fd = stress::connect_from("127.0.0.1", echod.port());
        const std::string data = test::random_bytes(256 * 1024, static_cast<unsigned>(i));
        test::send_all(fd.get(), data);
        (void)test::read_exactly(fd.get(), 1000); // the child is busy echoing
        test::set_linger_reset(fd.get());
    } // close() sends RST with the echo half unread
    EXPECT_TRUE(echod.log_contains("reset by client") || echod.log_contains("client went away"));
}

} // namespace
