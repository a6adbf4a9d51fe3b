// echo-client --proxy (issue 26) against a listening socket of the test
// that takes the PROXY header off each connection with common/'s parser and
// echoes the rest: the header names the connection's real addresses (or
// --proxy-source's), over IPv4 and IPv6, in both versions; the data after
// it comes back and the client exits 0; --ping sends one header on its
// connection, --new-connection one on each; the usage errors exit 64 and
// say why. Every test's name starts with ProxyClient.
#include "header_capture.hpp"
#include "proxy_parse.hpp"

#include "echod_instance.hpp"
#include "net.hpp"

#include "echo/address.hpp"
#include "echo/unique_fd.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <ostream>
#include <set>

namespace {

using namespace std::chrono_literals;
using proxytest::header_capture;

using test::ipv6_loopback_available;

const char* loopback(int family) { return family == AF_INET6 ? "::1" : "127.0.0.1"; }

struct stream_case {
    const char* version;
    int family;
};
// For the test's name in CTest: readable, and the same on every run.
void PrintTo(const stream_case& c, std::ostream* out)
{
    *out << c.version << (c.family == AF_INET6 ? " over IPv6" : " over IPv4");
}

class ProxyClientStream : public ::testing::TestWithParam<stream_case> {
protected:
    void SetUp() override
    {
        if (GetParam().family == AF_INET6 && !ipv6_loopback_available())
            GTEST_SKIP() << "::1 cannot be bound here (no IPv6 loopback), so there is no IPv6 connection to test";
    }
};

// The header names the addresses the server sees (the client's, from
// accept; the server's own), the data after it comes back intact, and the
// client exits 0: the header is not part of what it compares.
TEST_P(ProxyClientStream, HeaderNamesTheRealAddressesAndTheDataIsEchoed)
{
    const auto [version, family] = GetParam();
    header_capture server(family);
    const std::string input = "one\ntwo\nthree\n";
    const auto r = test::run_client({"--proxy", version, loopback(family), std::to_string(server.port())}, input);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, input);
    ASSERT_TRUE(server.wait_for(1, 10s));
    const auto connections = server.connections();
    ASSERT_EQ(connections.size(), 1U);
    const auto& c = connections.front();
    ASSERT_EQ(c.refusal, "") << "first bytes: " << c.header;
    const auto fields = proxytest::fields_of(c.header);
    EXPECT_EQ(fields.version, std::string(version) == "v1" ? 1 : 2);
    EXPECT_TRUE(fields.proxied);
    EXPECT_EQ(fields.source, echo::to_string(c.client));
    EXPECT_EQ(fields.destination, echo::to_string(c.server));
    EXPECT_EQ(c.echoed, input.size());
    if (std::string(version) == "v1")
        EXPECT_EQ(c.header.substr(0, 11), family == AF_INET6 ? "PROXY TCP6 " : "PROXY TCP4 ");
    else
        EXPECT_TRUE(fields.crc32c) << "a v2 header without a CRC32C TLV";
}

// --proxy-source replaces the source; the destination stays the real one.
TEST_P(ProxyClientStream, ProxySourceOverridesTheSource)
{
    const auto [version, family] = GetParam();
    header_capture server(family);
    const std::string source = family == AF_INET6 ? "[2001:db8::7]:40000" : "192.0.2.7:40000";
    const auto r = test::run_client(
        {"--proxy", version, "--proxy-source", source, loopback(family), std::to_string(server.port())}, "hello\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "hello\n");
    ASSERT_TRUE(server.wait_for(1, 10s));
    const auto c = server.connections().front();
    ASSERT_EQ(c.refusal, "") << "first bytes: " << c.header;
    const auto fields = proxytest::fields_of(c.header);
    EXPECT_EQ(fields.source, source);
    EXPECT_EQ(fields.destination, echo::to_string(c.server));
}

INSTANTIATE_TEST_SUITE_P(ProxyClient, ProxyClientStream,
                         ::testing::Values(stream_case{"v1", AF_INET}, stream_case{"v2", AF_INET},
                                           stream_case{"v1", AF_INET6}, stream_case{"v2", AF_INET6}),
                         [](const auto& p) {
                             return std::string(p.param.version) + (p.param.family == AF_INET6 ? "_IPv6" : "_IPv4");
                         });

// The control: without --proxy the first bytes are data, which the parser
// refuses, so the tests above would see a client that sent no header.
TEST(ProxyClient, WithoutProxyNoHeaderIsSent)
{
    header_capture server(AF_INET);
    const auto r = test::run_client({"127.0.0.1", std::to_string(server.port())}, "hello\n");
    ASSERT_TRUE(server.wait_for(1, 10s));
    const auto c = server.connections().front();
    EXPECT_NE(c.refusal, "");
    EXPECT_EQ(c.header, "hello\n");
    EXPECT_NE(r.status, 0) << "the capture closes without echoing, as a PROXY listener would";
}

// A megabyte of binary data after a v2 header comes back byte for byte.
TEST(ProxyClient, BinaryStreamAfterTheHeaderIsEchoedExactly)
{
    header_capture server(AF_INET);
    const std::string input = test::random_bytes(1 << 20, 26);
    const auto r =
        test::run_client({"--raw", "--proxy", "v2", "127.0.0.1", std::to_string(server.port())}, input, 60s);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out == input) << "the echo differs from the input (" << r.out.size() << " bytes of "
                                << input.size() << ")";
    ASSERT_TRUE(server.wait_for(1, 10s));
    EXPECT_EQ(server.connections().front().echoed, input.size());
}

// --ping: one connection, one header, then the probes.
TEST(ProxyClient, PingSendsOneHeader)
{
    header_capture server(AF_INET);
    const auto r = test::run_client(
        {"--ping", "-q", "-c", "3", "-i", "0.05", "--proxy", "v2", "127.0.0.1", std::to_string(server.port())}, "");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    ASSERT_TRUE(server.wait_for(1, 10s));
    const auto connections = server.connections();
    ASSERT_EQ(connections.size(), 1U);
    ASSERT_EQ(connections.front().refusal, "") << "first bytes: " << connections.front().header;
    EXPECT_EQ(proxytest::fields_of(connections.front().header).source, echo::to_string(connections.front().client));
    EXPECT_EQ(connections.front().echoed, 3U * 64U); // the probes, not the header
}

// --ping --new-connection: a header on every connection, each naming that
// connection's own source port: the first one (which checks that the
// server answers and carries no probe) and one per probe.
TEST(ProxyClient, NewConnectionSendsOneHeaderPerConnection)
{
    header_capture server(AF_INET);
    const auto r = test::run_client({"--ping", "-q", "--new-connection", "-c", "3", "-i", "0.05", "--proxy", "v1",
                                     "127.0.0.1", std::to_string(server.port())},
                                    "");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    ASSERT_TRUE(server.wait_for(4, 10s)) << server.connections().size() << " connections";
    const auto connections = server.connections();
    EXPECT_EQ(connections.size(), 4U);
    std::set<std::string> sources;
    std::size_t probes = 0;
    for (const auto& c : connections) {
        ASSERT_EQ(c.refusal, "") << "first bytes: " << c.header;
        const auto fields = proxytest::fields_of(c.header);
        EXPECT_EQ(fields.source, echo::to_string(c.client));
        EXPECT_EQ(fields.destination, echo::to_string(c.server));
        sources.insert(fields.source);
        probes += c.echoed == 64U ? 1 : 0;
    }
    EXPECT_EQ(sources.size(), connections.size()) << "each connection names its own source port";
    EXPECT_EQ(probes, 3U);
}

struct usage_case {
    const char* name;
    std::vector<std::string> args;
    const char* message;
};
void PrintTo(const usage_case& c, std::ostream* out) { *out << c.name; }

class ProxyClientUsage : public ::testing::TestWithParam<usage_case> {};

// Refused before any connection (the port is one nothing listens on, so a
// client that tried to connect would fail differently).
TEST_P(ProxyClientUsage, ExitsWithUsageAndSaysWhy)
{
    auto args = GetParam().args;
    args.push_back("127.0.0.1");
    args.push_back(std::to_string(test::free_tcp_port()));
    const auto r = test::run_client(args, "");
    EXPECT_EQ(r.status, 64) << r.err;
    EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
}

INSTANTIATE_TEST_SUITE_P(
    ProxyClient, ProxyClientUsage,
    ::testing::Values(
        usage_case{"SourceWithoutProxy", {"--proxy-source", "192.0.2.1:1"}, "--proxy-source needs --proxy v1 or v2"},
        usage_case{"ProxyWithUdp", {"--udp", "--proxy", "v1"}, "--proxy does not go with --udp: a PROXY protocol header opens a TCP "
                                               "connection, and UDP has none"},
        usage_case{"ProxyWithPingUdp", {"--ping", "--udp", "--proxy", "v2"}, "--proxy does not go with --udp"},
        usage_case{"UnknownVersion", {"--proxy", "v3"}, "--proxy v3: expected v1 (the text header) or v2 (the binary one)"},
        usage_case{"SourceWithoutPort", {"--proxy", "v1", "--proxy-source", "192.0.2.1"}, "--proxy-source 192.0.2.1: no :PORT"},
        usage_case{"SourceV6WithoutBrackets", {"--proxy", "v1", "--proxy-source", "2001:db8::1:5"}, "an IPv6 address needs brackets"},
        usage_case{"SourceNotNumeric", {"--proxy", "v1", "--proxy-source", "example.com:5"}, "is not a numeric IPv4 address"},
        usage_case{"SourcePortOutOfRange", {"--proxy", "v1", "--proxy-source", "192.0.2.1:65536"}, "the port is not a number from 0 to 65535"},
        usage_case{"SourceFamilyHostLacks", {"--proxy", "v1", "--proxy-source", "[2001:db8::1]:5"},
                   "--proxy-source [2001:db8::1]:5 is IPv6 but 127.0.0.1 has no IPv6 address: a PROXY header names "
                   "its source and destination in one family"}),
    [](const auto& p) { return std::string(p.param.name); });

} // namespace
