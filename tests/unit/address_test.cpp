// Endpoints as users write them, resolution without the network (numeric
// hosts, /etc/hosts, /etc/services) and how addresses are printed in logs.
#include "echo/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <cstring>

namespace {

using echo::endpoint;
using echo::parse_endpoint;

TEST(ParseEndpoint, HostAndPort)
{
    EXPECT_EQ(parse_endpoint("127.0.0.1:7777", "7"), (endpoint{"127.0.0.1", "7777"}));
    EXPECT_EQ(parse_endpoint("localhost:echo", "7"), (endpoint{"localhost", "echo"}));
    EXPECT_EQ(parse_endpoint("127.0.0.1:0", "7"), (endpoint{"127.0.0.1", "0"}));
    EXPECT_EQ(parse_endpoint("host:65535", "7"), (endpoint{"host", "65535"}));
}

TEST(ParseEndpoint, BracketedIpv6)
{
    EXPECT_EQ(parse_endpoint("[::1]:7", "9"), (endpoint{"::1", "7"}));
    EXPECT_EQ(parse_endpoint("[::]", "7"), (endpoint{"::", "7"}));
    EXPECT_EQ(parse_endpoint("[::ffff:192.0.2.1]:7", "9"), (endpoint{"::ffff:192.0.2.1", "7"}));
    EXPECT_EQ(parse_endpoint("[2001:db8::1]:echo", "9"), (endpoint{"2001:db8::1", "echo"}));
}

TEST(ParseEndpoint, PortOnly)
{
    EXPECT_EQ(parse_endpoint(":7777", "7"), (endpoint{"", "7777"}));
    EXPECT_EQ(parse_endpoint("7777", "7"), (endpoint{"", "7777"}));
}

// A bare host takes the default port: "echo-client localhost" style input.
TEST(ParseEndpoint, BareHostGetsDefaultService)
{
    EXPECT_EQ(parse_endpoint("localhost", "7"), (endpoint{"localhost", "7"}));
    EXPECT_EQ(parse_endpoint("192.0.2.1", "echo"), (endpoint{"192.0.2.1", "echo"}));
}

// Every malformed endpoint must be refused at parse time, so that echod can
// exit 64 with a clear line instead of binding something unexpected.
TEST(ParseEndpoint, RejectsBadInput)
{
    for (const char* bad : {"", ":70000", ":65536", ":99999999999999999999", "::1:7", "[::1", "[nonsense]:7",
                            "host:", "host:7 7", "[::1]x", "[::1]7", "[]:7", "[]", "host:port:extra",
                            "1.2.3.4:99999", "[127.0.0.1]:7", "host:a/b", ":"}) {
        SCOPED_TRACE(std::string("input '") + bad + "'");
        EXPECT_THROW((void)parse_endpoint(bad, "7"), echo::address_error);
    }
}

// The message is what the user reads on stderr: it must name the problem.
TEST(ParseEndpoint, ErrorMessagesNameTheProblem)
{
    try {
        (void)parse_endpoint(":70000", "7");
        FAIL() << "port 70000 accepted";
    } catch (const echo::address_error& e) {
        EXPECT_NE(std::string(e.what()).find("70000"), std::string::npos) << e.what();
    }
    try {
        (void)parse_endpoint("::1:7", "7");
        FAIL() << "unbracketed IPv6 with port accepted";
    } catch (const echo::address_error& e) {
        EXPECT_NE(std::string(e.what()).find("bracket"), std::string::npos) << e.what();
    }
}

TEST(CheckService, AcceptsPortsAndServiceNames)
{
    for (const char* good : {"0", "7", "65535", "echo", "http-alt", "x_y"}) {
        SCOPED_TRACE(good);
        EXPECT_NO_THROW(echo::check_service(good));
    }
    for (const char* bad : {"", "65536", "123456", "a b", "7:7", "port!"}) {
        SCOPED_TRACE(std::string("'") + bad + "'");
        EXPECT_THROW(echo::check_service(bad), echo::address_error);
    }
}

// "-1" is a negative port, not a service name (RFC 6335 names contain a
// letter and do not start with '-'). Accepted here, it reaches getaddrinfo,
// and `echod --listen :-1` exits 68 "cannot resolve" instead of 64 (usage).
TEST(CheckService, RejectsNegativePort)
{
    for (const char* bad : {"-1", "-7", "-"}) {
        SCOPED_TRACE(std::string("'") + bad + "'");
        EXPECT_THROW(echo::check_service(bad), echo::address_error)
            << "common/src/address.cpp check_service takes '" << bad << "' for a service name";
        EXPECT_THROW((void)parse_endpoint(std::string(":") + bad, "7"), echo::address_error);
    }
}

// Resolution: only inputs that need no DNS traffic (numeric, /etc/hosts,
// /etc/services).
TEST(Resolve, NumericIpv4)
{
    const auto list = echo::resolve({"127.0.0.1", "7"}, echo::resolve_for::connecting);
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0].family, AF_INET);
    EXPECT_EQ(list[0].length, sizeof(sockaddr_in));
    EXPECT_EQ(echo::port_of(list[0].get()), 7U);
    EXPECT_EQ(echo::to_string(list[0]), "127.0.0.1:7");
}

TEST(Resolve, NumericIpv6)
{
    const auto list = echo::resolve({"::1", "7777"}, echo::resolve_for::connecting);
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0].family, AF_INET6);
    EXPECT_EQ(echo::port_of(list[0].get()), 7777U);
    EXPECT_EQ(echo::to_string(list[0]), "[::1]:7777");
}

// "localhost" comes from /etc/hosts and "echo" from /etc/services (port 7,
// RFC 862): names are resolved, not just numbers.
TEST(Resolve, LocalhostAndServiceName)
{
    const auto list = echo::resolve({"localhost", "echo"}, echo::resolve_for::connecting);
    ASSERT_FALSE(list.empty());
    for (const auto& a : list) {
        SCOPED_TRACE(echo::to_string(a));
        EXPECT_EQ(echo::port_of(a.get()), 7U);
        if (a.family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(a.get());
            EXPECT_EQ(ntohl(in->sin_addr.s_addr) >> 24, 127U) << "localhost is not a loopback address";
        } else {
            ASSERT_EQ(a.family, AF_INET6);
            EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(a.get())->sin6_addr));
        }
    }
}

// Listening with no host means one dual-stack IPv6 wildcard socket.
TEST(Resolve, EmptyHostForListeningIsIpv6Wildcard)
{
    const auto list = echo::resolve({"", "0"}, echo::resolve_for::listening);
    ASSERT_EQ(list.size(), 1U);
    ASSERT_EQ(list[0].family, AF_INET6);
    EXPECT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(list[0].get())->sin6_addr));
}

TEST(Resolve, UnknownServiceNameIsAResolveError)
{
    EXPECT_THROW((void)echo::resolve({"127.0.0.1", "no-such-service-here"}, echo::resolve_for::connecting),
                 echo::resolve_error);
}

TEST(ToString, Ipv4)
{
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(7);
    ASSERT_EQ(::inet_pton(AF_INET, "192.0.2.45", &in.sin_addr), 1);
    EXPECT_EQ(echo::to_string(reinterpret_cast<const sockaddr*>(&in), sizeof in), "192.0.2.45:7");
    EXPECT_EQ(echo::port_of(reinterpret_cast<const sockaddr*>(&in)), 7U);
}

TEST(ToString, Ipv6InBrackets)
{
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(65535);
    ASSERT_EQ(::inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr), 1);
    EXPECT_EQ(echo::to_string(reinterpret_cast<const sockaddr*>(&in6), sizeof in6), "[2001:db8::1]:65535");
    EXPECT_EQ(echo::port_of(reinterpret_cast<const sockaddr*>(&in6)), 65535U);
}

// A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; logs must show
// the plain IPv4 address people know.
TEST(ToString, Ipv4MappedPrintsAsIpv4)
{
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(40000);
    ASSERT_EQ(::inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr), 1);
    EXPECT_EQ(echo::to_string(reinterpret_cast<const sockaddr*>(&in6), sizeof in6), "127.0.0.1:40000");
}

} // namespace
