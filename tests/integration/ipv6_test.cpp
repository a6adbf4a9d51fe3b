// IPv6: echod on [::1], the client to ::1, and the default dual-stack
// wildcard that takes IPv4 and IPv6 clients on one socket.
#include "helpers.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

#define REQUIRE_IPV6()                                                             \
    do {                                                                           \
        if (!itest::ipv6_loopback_available())                                     \
            GTEST_SKIP() << "no IPv6 loopback (::1) on this host";                 \
    } while (0)

TEST(Ipv6, EchodOnLoopbackAndClientToIt)
{
    REQUIRE_IPV6();
    test::echod_instance echod(std::vector<std::string>{"--listen", "[::1]:0"});
    EXPECT_TRUE(echod.log_contains("listening on [::1]:")) << echod.log();
    EXPECT_EQ(itest::echo_once(echod.port(), "over six\n", "::1"), "over six\n");
    const auto r = test::run_client({"::1", std::to_string(echod.port())}, "hello v6\nq\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "hello v6\n");
    // The bracketed form people copy from logs works too.
    const auto bracketed = test::run_client({"[::1]", std::to_string(echod.port())}, "again\n");
    EXPECT_EQ(bracketed.status, 0) << bracketed.err;
    EXPECT_EQ(bracketed.out, "again\n");
}

// The default listen address is one dual-stack socket: "[::]:PORT" must
// serve 127.0.0.1 and ::1 alike (IPV6_V6ONLY off).
TEST(Ipv6, DualStackWildcardTakesBothFamilies)
{
    REQUIRE_IPV6();
    test::echod_instance echod(std::vector<std::string>{"--listen", "[::]:0"});
    EXPECT_EQ(itest::echo_once(echod.port(), "four\n", "127.0.0.1"), "four\n");
    EXPECT_EQ(itest::echo_once(echod.port(), "six\n", "::1"), "six\n");
    // IPv4 peers are logged as plain IPv4, not ::ffff:127.0.0.1.
    EXPECT_TRUE(echod.log_contains("connection from 127.0.0.1:")) << echod.log();
    EXPECT_TRUE(echod.log_contains("connection from [::1]:")) << echod.log();
    // One listening socket for both families (the parent drops its copies
    // of the connections just after fork, hence "eventually").
    EXPECT_TRUE(test::eventually([&] { return itest::sockets_of(echod.pid()).size() == 1; }, 5s))
        << ::testing::PrintToString(itest::sockets_of(echod.pid()));
}

} // namespace
