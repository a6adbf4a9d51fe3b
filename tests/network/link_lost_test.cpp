// A link that goes down mid-stream and never comes back (issue 13). Nothing
// can be delivered either way any more, so neither side ever hears from the
// other again:
//  - echod's child must be gone within its idle timeout (SO_RCVTIMEO/
//    SO_SNDTIMEO set from --idle-timeout), and the parent must reap it;
//  - echo-client has no timeout of its own once connected, so its bound is
//    the kernel's retransmission limit: net.ipv4.tcp_retries2, set to 5 in
//    the clients' namespace here (about 12.6 s of retransmissions after the
//    first RTO; the default 15 means about 15 minutes). It must then end
//    with status 1 (echo-client(1): the connection was lost), its reading
//    child with it.
#include "echod_in_namespace.hpp"
#include "netns.hpp"
#include "traffic.hpp"

#include "echod_instance.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

namespace {

using namespace std::chrono_literals;
using netns::veth_path;

TEST(LinkLost, ChildGoneWithinIdleTimeoutAndClientEndsWithStatusOne)
{
    if (const auto why = netns::missing_precondition(); !why.empty())
        GTEST_SKIP() << why;
    constexpr auto idle_timeout = 5s;
    // The bound this test states for echo-client: tcp_retries2 = 5 gives up
    // 12.6 s after the first lost segment's RTO; the rest is margin for a
    // loaded machine.
    constexpr auto client_bound = 45s;

    veth_path path;
    path.client().set_sysctl("net/ipv4/tcp_retries2", "5");
    netns::echod_in_namespace echod(path.server(), {"--idle-timeout", std::to_string(idle_timeout.count())});
    netns::client_stream stream(path.client(), netns::stream_data(200'000'000, 21),
                                {test::echo_client_binary(), veth_path::server_address,
                                 std::to_string(netns::echo_port)});
    ASSERT_TRUE(test::eventually([&] { return stream.fed() >= 2'000'000; }, 60s)) << stream.errors();

    std::vector<pid_t> serving, client_side;
    ASSERT_TRUE(test::eventually([&] { return !(serving = test::children_of(echod.pid())).empty(); }, 10s));
    client_side = test::children_of(stream.proc().pid()); // echo-client's reading child
    ASSERT_EQ(client_side.size(), 1u);

    path.set_link(false);
    const auto cut = std::chrono::steady_clock::now();
    auto since_cut = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - cut).count(); };

    // The child: gone (exited and reaped) within the idle timeout, plus a
    // margin for a loaded machine.
    EXPECT_TRUE(test::eventually([&] { return test::children_of(echod.pid()).empty(); }, idle_timeout + 5s))
        << "echod's child is still there " << since_cut() << " s after the link went down";
    const double child_gone = since_cut();
    EXPECT_NE(echod.log().find("idle timeout"), std::string::npos) << echod.log();

    const auto status = stream.wait(client_bound);
    const double client_gone = since_cut();
    ASSERT_TRUE(status.has_value()) << "echo-client still running " << client_gone << " s after the link went down";
    EXPECT_EQ(*status, 1) << stream.errors();
    // It names the cause the kernel gave when it stopped retransmitting:
    // the route is gone with the link (ENETUNREACH), or ETIMEDOUT.
    const std::string why = stream.errors();
    EXPECT_TRUE(why.find("unreachable") != std::string::npos || why.find("timed out") != std::string::npos)
        << why;
    EXPECT_LT(stream.output().size(), stream.data().size());
    EXPECT_TRUE(stream.data().compare(0, stream.output().size(), stream.output()) == 0)
        << "what came back before the cut is not a prefix of what was sent";
    for (pid_t p : client_side)
        EXPECT_FALSE(test::alive(p)) << "echo-client's reader " << p << " outlived it";
    for (pid_t p : serving)
        EXPECT_FALSE(test::alive(p)) << "echod's child " << p << " is still there";
    std::printf("link down at %zu bytes fed: echod's child gone after %.1f s (idle timeout %ld s), "
                "echo-client ended with status %d after %.1f s (bound %ld s)\n",
                stream.fed(), child_gone, static_cast<long>(idle_timeout.count()), *status, client_gone,
                static_cast<long>(client_bound.count()));

    // echod itself never noticed anything wrong: the link back, a new client is served.
    path.set_link(true);
    auto again = netns::run_round_trips(path.client(), veth_path::client_address, veth_path::server_address,
                                        netns::echo_port, {1, 10, 1000, 30s});
    EXPECT_EQ(again.exact, 10u);
    for (const auto& e : again.errors)
        ADD_FAILURE() << e;
    EXPECT_TRUE(test::eventually([&] { return test::children_of(echod.pid()).empty(); }, 10s));
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
