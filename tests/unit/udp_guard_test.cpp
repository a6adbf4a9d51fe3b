// The UDP source guards (server/udp/source_guard.hpp), rule by rule, with
// crafted addresses: what OpenBSD, NetBSD and FreeBSD inetd refuse, and
// loopback only for datagrams sent to loopback.
#include "udp/source_guard.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <string>
#include <vector>

namespace {

using echod::udp::check_datagram;
using echod::udp::guard_context;
using echod::udp::refusal;

sockaddr_storage source(const std::string& host, unsigned port)
{
    sockaddr_storage s{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&s);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&s);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    } else {
        throw std::invalid_argument(host);
    }
    return s;
}

in6_addr address(const std::string& host)
{
    const auto s = source(host, 0);
    return echod::udp::as_ipv6(reinterpret_cast<const sockaddr*>(&s));
}

class UdpGuard : public ::testing::Test {
protected:
    refusal check(const std::string& from, unsigned port, const std::string& to = "192.0.2.1")
    {
        const auto s = source(from, port);
        return check_datagram(reinterpret_cast<const sockaddr*>(&s), address(to), context());
    }
    guard_context context() const { return {own_ports, broadcasts}; }

    std::vector<unsigned> own_ports{7, 7777};
    std::vector<in6_addr> broadcasts{address("192.0.2.255")};
};

TEST_F(UdpGuard, OrdinaryClientsPass)
{
    EXPECT_EQ(check("198.51.100.9", 40000), refusal::none);
    EXPECT_EQ(check("2001:db8::9", 40000, "2001:db8::1"), refusal::none);
    // IPv4 on a dual-stack socket: judged as the IPv4 address it is.
    EXPECT_EQ(check("::ffff:198.51.100.9", 40000, "::ffff:192.0.2.1"), refusal::none);
    EXPECT_EQ(check("198.51.100.9", 1024), refusal::none);
    EXPECT_EQ(check("198.51.100.9", 65535), refusal::none);
}

TEST_F(UdpGuard, MulticastSourcesAreRefused)
{
    EXPECT_EQ(check("224.0.0.1", 40000), refusal::multicast_source);
    EXPECT_EQ(check("239.255.255.250", 40000), refusal::multicast_source);
    EXPECT_EQ(check("::ffff:224.0.0.251", 40000), refusal::multicast_source);
    EXPECT_EQ(check("ff02::1", 40000, "2001:db8::1"), refusal::multicast_source);
}

TEST_F(UdpGuard, ZeroAndAllOnesNetworksAreRefused)
{
    EXPECT_EQ(check("0.0.0.0", 40000), refusal::reserved_source);
    EXPECT_EQ(check("0.1.2.3", 40000), refusal::reserved_source);
    EXPECT_EQ(check("255.1.2.3", 40000), refusal::reserved_source);
    EXPECT_EQ(check("255.255.255.255", 40000), refusal::reserved_source);
    EXPECT_EQ(check("::", 40000, "2001:db8::1"), refusal::reserved_source);
}

TEST_F(UdpGuard, InterfaceBroadcastSourcesAreRefused)
{
    EXPECT_EQ(check("192.0.2.255", 40000), refusal::broadcast_source);
    EXPECT_EQ(check("::ffff:192.0.2.255", 40000, "::ffff:192.0.2.1"), refusal::broadcast_source);
    broadcasts.clear();
    EXPECT_EQ(check("192.0.2.255", 40000), refusal::none) << "only the interfaces' broadcast addresses";
}

TEST_F(UdpGuard, LoopbackOnlyToLoopback)
{
    EXPECT_EQ(check("127.0.0.1", 40000, "127.0.0.1"), refusal::none);
    EXPECT_EQ(check("127.0.0.2", 40000, "127.0.0.1"), refusal::none);
    EXPECT_EQ(check("::1", 40000, "::1"), refusal::none);
    EXPECT_EQ(check("::ffff:127.0.0.1", 40000, "::ffff:127.0.0.1"), refusal::none);
    EXPECT_EQ(check("127.0.0.1", 40000, "192.0.2.1"), refusal::loopback_source);
    EXPECT_EQ(check("127.9.9.9", 40000, "192.0.2.1"), refusal::loopback_source);
    EXPECT_EQ(check("::1", 40000, "2001:db8::1"), refusal::loopback_source);
    EXPECT_EQ(check("::ffff:127.0.0.1", 40000, "::ffff:192.0.2.1"), refusal::loopback_source);
    // The kernel did not say where it was sent: not known to be loopback.
    EXPECT_EQ(check("127.0.0.1", 40000, "::"), refusal::loopback_source);
}

TEST_F(UdpGuard, LowPortsAndNfsAreRefused)
{
    // OpenBSD: below 1024 and 2049; NetBSD's 9, 13, 19 and 37 are among them.
    for (unsigned port : {0U, 1U, 9U, 13U, 19U, 37U, 53U, 123U, 1023U, 2049U})
        EXPECT_EQ(check("198.51.100.9", port), refusal::reserved_port) << port;
    EXPECT_EQ(check("2001:db8::9", 19, "2001:db8::1"), refusal::reserved_port);
}

TEST_F(UdpGuard, OwnPortsAreLoopRequests)
{
    // FreeBSD's check_loop: the port of a datagram service echod runs.
    EXPECT_EQ(check("198.51.100.9", 7), refusal::own_port);
    EXPECT_EQ(check("198.51.100.9", 7777), refusal::own_port);
    EXPECT_EQ(check("2001:db8::9", 7777, "2001:db8::1"), refusal::own_port);
    EXPECT_EQ(check("198.51.100.9", 7778), refusal::none);
}

TEST_F(UdpGuard, BroadcastAndMulticastDestinationsAreRefused)
{
    // One request to a broadcast address would be answered by every echo server on the link.
    EXPECT_EQ(check("198.51.100.9", 40000, "255.255.255.255"), refusal::not_unicast_destination);
    EXPECT_EQ(check("198.51.100.9", 40000, "192.0.2.255"), refusal::not_unicast_destination);
    // The loopback network's broadcast, which no interface lists.
    EXPECT_EQ(check("127.0.0.1", 40000, "127.255.255.255"), refusal::not_unicast_destination);
    EXPECT_EQ(check("198.51.100.9", 40000, "224.0.0.1"), refusal::not_unicast_destination);
    EXPECT_EQ(check("2001:db8::9", 40000, "ff02::1"), refusal::not_unicast_destination);
}

TEST_F(UdpGuard, EveryRefusalHasAText)
{
    for (std::size_t r = 1; r < echod::udp::refusal_kinds; ++r)
        EXPECT_NE(describe(static_cast<refusal>(r)), "refused") << r;
}

} // namespace
