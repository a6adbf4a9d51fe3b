// How echo-client --udp's reader matches echoes to datagrams in flight.
#include "udp/outstanding.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using echo_client::udp::key_of;
using echo_client::udp::outstanding;
using match = outstanding::match;

TEST(UdpClientOutstanding, EchoesMatchInAnyOrder)
{
    outstanding o;
    o.add(key_of("a\n"), 100);
    o.add(key_of("b\n"), 200);
    EXPECT_EQ(o.take(key_of("b\n")), match::echoed);
    EXPECT_EQ(o.next_deadline(), 100u);
    EXPECT_EQ(o.take(key_of("a\n")), match::echoed);
    EXPECT_TRUE(o.empty());
    EXPECT_FALSE(o.next_deadline().has_value());
}

TEST(UdpClientOutstanding, EqualDatagramsAreCountedNotConfused)
{
    outstanding o;
    o.add(key_of("same"), 100);
    o.add(key_of("same"), 200);
    EXPECT_EQ(o.take(key_of("same")), match::echoed);
    EXPECT_EQ(o.take(key_of("same")), match::echoed);
    EXPECT_EQ(o.take(key_of("same")), match::stray); // a third echo of two sent
}

TEST(UdpClientOutstanding, AChangedEchoIsStray)
{
    outstanding o;
    o.add(key_of("hello\n"), 100);
    EXPECT_EQ(o.take(key_of("HELLO\n")), match::stray);
    EXPECT_EQ(o.take(key_of("hello")), match::stray); // shorter
    EXPECT_FALSE(o.empty());
}

TEST(UdpClientOutstanding, TheDeadlineMakesItLostAndALaterEchoLate)
{
    outstanding o;
    o.add(key_of("x"), 100);
    o.add(key_of("yy"), 150);
    o.add(key_of("zzz"), 300);
    std::vector<std::uint64_t> lost;
    o.expire(200, [&](std::uint64_t bytes) { lost.push_back(bytes); });
    EXPECT_EQ(lost, (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(o.next_deadline(), 300u);
    EXPECT_EQ(o.take(key_of("yy")), match::late);
    EXPECT_EQ(o.take(key_of("yy")), match::stray); // late only once
    EXPECT_EQ(o.take(key_of("zzz")), match::echoed);
    EXPECT_TRUE(o.empty());
}

} // namespace
