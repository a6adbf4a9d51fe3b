#include "echo/address.hpp"

#include <gtest/gtest.h>

namespace {

using echo::endpoint;
using echo::parse_endpoint;

TEST(ParseEndpoint, HostAndPort)
{
    EXPECT_EQ(parse_endpoint("127.0.0.1:7777", "7"), (endpoint{"127.0.0.1", "7777"}));
    EXPECT_EQ(parse_endpoint("localhost:echo", "7"), (endpoint{"localhost", "echo"}));
}

TEST(ParseEndpoint, BracketedIpv6)
{
    EXPECT_EQ(parse_endpoint("[::1]:7", "9"), (endpoint{"::1", "7"}));
    EXPECT_EQ(parse_endpoint("[::]", "7"), (endpoint{"::", "7"}));
}

TEST(ParseEndpoint, PortOnly)
{
    EXPECT_EQ(parse_endpoint(":7777", "7"), (endpoint{"", "7777"}));
    EXPECT_EQ(parse_endpoint("7777", "7"), (endpoint{"", "7777"}));
}

TEST(ParseEndpoint, RejectsBadInput)
{
    EXPECT_THROW((void)parse_endpoint("", "7"), echo::address_error);
    EXPECT_THROW((void)parse_endpoint(":70000", "7"), echo::address_error);
    EXPECT_THROW((void)parse_endpoint("::1:7", "7"), echo::address_error);
    EXPECT_THROW((void)parse_endpoint("[::1", "7"), echo::address_error);
    EXPECT_THROW((void)parse_endpoint("[nonsense]:7", "7"), echo::address_error);
    EXPECT_THROW((void)parse_endpoint("host:", "7"), echo::address_error);
    EXPECT_THROW((void)parse_endpoint("host:7 7", "7"), echo::address_error);
}

} // namespace
