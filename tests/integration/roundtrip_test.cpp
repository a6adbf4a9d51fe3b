// Echo over raw sockets: every byte comes back, in order, binary-safe, and a
// half-close gets the rest of the echo before the server closes.
#include "helpers.hpp"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <thread>

namespace {

using namespace std::chrono_literals;

// Several MB of random bytes (all 256 values, NULs included) sent while the
// echo is read at the same time: a server that does not handle partial
// writes, or that treats data as text, fails here. Sending and reading
// concurrently keeps both sides from stalling on full buffers.
TEST(RoundTrip, SeveralMegabytesOfBinaryComeBackIdentical)
{
    test::echod_instance echod;
    const std::string data = test::random_bytes(8 << 20, 42);
    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    std::string error;
    std::thread sender([&] {
        try {
            test::send_all(fd.get(), data);
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    std::string back;
    try {
        back = test::read_exactly(fd.get(), data.size(), 60s);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "reading the echo: " << e.what();
    }
    sender.join();
    EXPECT_EQ(error, "");
    ASSERT_EQ(back.size(), data.size());
    EXPECT_TRUE(back == data) << "echo differs from what was sent";
    ::shutdown(fd.get(), SHUT_WR);
    EXPECT_EQ(test::read_to_eof(fd.get()), "") << "nothing beyond the echo";
}

// Half-close: after shutdown(SHUT_WR) the server still owes us everything we
// sent; it must send it all, then close (EOF), not drop it. The sender runs
// in a thread so a megabyte cannot stall on full buffers.
TEST(RoundTrip, HalfCloseGetsEverythingBackThenEof)
{
    test::echod_instance echod;
    const std::string data = test::random_bytes(1 << 20, 7);
    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    std::string error;
    std::thread sender([&] {
        try {
            test::send_all(fd.get(), data);
            if (::shutdown(fd.get(), SHUT_WR) != 0)
                error = "shutdown failed";
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    std::string back;
    try {
        back = test::read_to_eof(fd.get(), 30s);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "reading the echo: " << e.what();
    }
    sender.join();
    EXPECT_EQ(error, "");
    ASSERT_EQ(back.size(), data.size());
    EXPECT_TRUE(back == data);
    EXPECT_TRUE(echod.log_contains("ended: client closed; 1048576 bytes received, 1048576 sent back, ")) << echod.log();
}

// The smallest exchange: one byte, and a connection with no data at all.
TEST(RoundTrip, OneByteAndEmptyConnection)
{
    test::echod_instance echod;
    EXPECT_EQ(itest::echo_once(echod.port(), std::string(1, '\0')), std::string(1, '\0'));
    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    ASSERT_EQ(::shutdown(fd.get(), SHUT_WR), 0);
    EXPECT_EQ(test::read_to_eof(fd.get()), "");
}

} // namespace
