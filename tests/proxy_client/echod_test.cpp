// echo-client --proxy against echod's own PROXY listener (--proxy-protocol,
// trusting loopback): what the issue asks the option for, a PROXY listener
// tried by hand. echod reads the header (v2's CRC32C checked), logs the
// client it names, and echoes the data after it; a connection without a
// header would be refused, so each probe echoed under --new-connection is a
// header echod accepted.
#include "echod_instance.hpp"
#include "net.hpp"

#include "echo/unique_fd.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

using test::ipv6_loopback_available;

// echod whose one listener expects a header from the loopback addresses.
test::echod_instance proxy_echod(const std::string& listen)
{
    return test::echod_instance(
        {"--listen", listen, "--proxy-protocol", "--proxy-from", "127.0.0.1", "--proxy-from", "::1"});
}

class ProxyClientEchod : public ::testing::TestWithParam<const char*> {};

// The source echo-client names is the client echod logs; the echo is the
// data only, and the client exits 0.
TEST_P(ProxyClientEchod, EchodLogsTheSourceAndEchoesTheData)
{
    auto echod = proxy_echod("127.0.0.1:0");
    const std::string input = "hello\nworld\n";
    const auto r = test::run_client(
        {"--proxy", GetParam(), "--proxy-source", "192.0.2.7:40000", "127.0.0.1", std::to_string(echod.port())},
        input);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, input);
    EXPECT_TRUE(echod.log_contains("connection from 192.0.2.7:40000 via 127.0.0.1:")) << echod.log();
}

// Without --proxy-source, the client is the connection's own address.
TEST_P(ProxyClientEchod, OverIPv6TheRealSourceIsLogged)
{
    if (!ipv6_loopback_available())
        GTEST_SKIP() << "::1 cannot be bound here (no IPv6 loopback), so there is no IPv6 connection to test";
    auto echod = proxy_echod("[::1]:0");
    const auto r = test::run_client({"--proxy", GetParam(), "::1", std::to_string(echod.port())}, "six\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "six\n");
    EXPECT_TRUE(echod.log_contains("connection from [::1]:")) << echod.log();
}

// Every connection of --ping --new-connection gets through echod's header
// check: all probes come back (status 0), each on a connection of its own.
TEST_P(ProxyClientEchod, NewConnectionProbesAllGetThrough)
{
    auto echod = proxy_echod("127.0.0.1:0");
    const auto r = test::run_client({"--ping", "-q", "--new-connection", "-c", "5", "-i", "0.02", "--proxy",
                                     GetParam(), "127.0.0.1", std::to_string(echod.port())},
                                    "");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("5 probes sent, 5 echoed, 0 lost"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(ProxyClient, ProxyClientEchod, ::testing::Values("v1", "v2"),
                         [](const auto& p) { return std::string(p.param); });

} // namespace
