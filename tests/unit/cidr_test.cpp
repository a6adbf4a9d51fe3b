// --proxy-from's address blocks (server/config/cidr): IPv4 and IPv6, a plain
// address as /32 or /128, host bits ignored, IPv4 peers matched however they
// arrive (plain, or IPv4-mapped on a dual-stack socket), and every mistake
// refused with a message.
#include "config/cidr.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

sockaddr_storage peer(const char* ip)
{
    sockaddr_storage s{};
    if (auto* v4 = reinterpret_cast<sockaddr_in*>(&s); ::inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        return s;
    }
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&s);
    EXPECT_EQ(::inet_pton(AF_INET6, ip, &v6->sin6_addr), 1) << ip;
    v6->sin6_family = AF_INET6;
    return s;
}

bool in(const char* block, const char* ip)
{
    const auto p = peer(ip);
    return echod::contains(echod::parse_cidr(block), reinterpret_cast<const sockaddr*>(&p));
}

TEST(Cidr, Ipv4Blocks)
{
    EXPECT_TRUE(in("10.0.0.0/8", "10.255.1.2"));
    EXPECT_FALSE(in("10.0.0.0/8", "11.0.0.1"));
    EXPECT_TRUE(in("192.0.2.0/25", "192.0.2.127"));
    EXPECT_FALSE(in("192.0.2.0/25", "192.0.2.128"));
    EXPECT_TRUE(in("0.0.0.0/0", "203.0.113.9"));
    EXPECT_FALSE(in("0.0.0.0/0", "::1")); // an IPv4 block holds no IPv6 peer
    EXPECT_TRUE(in("10.1.2.3/8", "10.9.9.9")); // host bits ignored
}

TEST(Cidr, PlainAddressIsOneHost)
{
    EXPECT_TRUE(in("127.0.0.1", "127.0.0.1"));
    EXPECT_FALSE(in("127.0.0.1", "127.0.0.2"));
    EXPECT_TRUE(in("::1", "::1"));
    EXPECT_FALSE(in("::1", "::2"));
}

TEST(Cidr, Ipv6Blocks)
{
    EXPECT_TRUE(in("2001:db8::/32", "2001:db8:ffff::1"));
    EXPECT_FALSE(in("2001:db8::/32", "2001:db9::1"));
    EXPECT_TRUE(in("fe80::/10", "febf::1"));
    EXPECT_FALSE(in("fe80::/10", "fec0::1"));
}

TEST(Cidr, Ipv4PeerMappedOnADualStackSocket)
{
    EXPECT_TRUE(in("127.0.0.1", "::ffff:127.0.0.1"));
    EXPECT_TRUE(in("10.0.0.0/8", "::ffff:10.1.1.1"));
    EXPECT_FALSE(in("10.0.0.0/8", "::ffff:11.1.1.1"));
}

TEST(Cidr, MistakesAreRefused)
{
    for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8x", "10.0.0.256", "host.example",
                            "10.0.0.0/-1", "10.0.0.0/0008"})
        EXPECT_THROW((void)echod::parse_cidr(bad), std::invalid_argument) << bad;
}

} // namespace
