// The one per-source table (server/limits/per_source.hpp) and the TCP
// count built on it (child_table.hpp): what a source is, that every source
// finds its own entry again, that an idle entry's slot goes to another
// source, and that busy entries are never lost, whatever the table size.
#include "limits/child_table.hpp"
#include "limits/per_source.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <string>

namespace {

using echod::per_source;
using echod::source_key;

source_key v4(const std::string& text)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, text.c_str(), &a.sin_addr);
    return echod::source_of(reinterpret_cast<const sockaddr*>(&a));
}

source_key v6(const std::string& text)
{
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, text.c_str(), &a.sin6_addr);
    return echod::source_of(reinterpret_cast<const sockaddr*>(&a));
}

source_key nth(int i)
{
    return v4("10." + std::to_string(i / 62500) + "." + std::to_string(i / 250 % 250) + "." + std::to_string(i % 250));
}

const auto never_idle = [](const unsigned&) { return false; };
const auto idle_at_zero = [](const unsigned& n) { return n == 0; };

TEST(PerSourceTable, AnIpv6SlashSixtyFourAndBothFormsOfAnIpv4AddressAreOneSource)
{
    EXPECT_EQ(v6("2001:db8:1:2::1"), v6("2001:db8:1:2:ffff::9"));
    EXPECT_NE(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1"));
    EXPECT_EQ(v4("192.0.2.7"), v6("::ffff:192.0.2.7"));
    EXPECT_NE(v4("192.0.2.7"), v4("192.0.2.8"));
}

TEST(PerSourceTable, EverySourceFindsItsOwnEntryAgain)
{
    per_source<unsigned> table(4096);
    for (int i = 0; i < 1000; ++i) {
        const auto place = table.find_or_add(nth(i), never_idle);
        ASSERT_NE(place.entry, nullptr) << i;
        EXPECT_TRUE(place.fresh);
        *place.entry = static_cast<unsigned>(i);
    }
    for (int i = 0; i < 1000; ++i) {
        const unsigned* found = table.find(nth(i));
        ASSERT_NE(found, nullptr) << i;
        EXPECT_EQ(*found, static_cast<unsigned>(i));
        const auto again = table.find_or_add(nth(i), never_idle);
        EXPECT_EQ(again.entry, found);
        EXPECT_FALSE(again.fresh);
    }
    EXPECT_EQ(table.find(v4("192.0.2.1")), nullptr);
}

TEST(PerSourceTable, AFullTableHasNoRoomUntilAnEntryIsIdle)
{
    per_source<unsigned> table(2, 2); // two slots, either for any source
    *table.find_or_add(v4("192.0.2.1"), idle_at_zero).entry = 1;
    *table.find_or_add(v4("192.0.2.2"), idle_at_zero).entry = 1;
    EXPECT_EQ(table.find_or_add(v4("192.0.2.3"), idle_at_zero).entry, nullptr);

    *table.find(v4("192.0.2.1")) = 0; // its last connection ended
    const auto place = table.find_or_add(v4("192.0.2.3"), idle_at_zero);
    ASSERT_NE(place.entry, nullptr);
    EXPECT_TRUE(place.fresh);
    EXPECT_EQ(*place.entry, 0U) << "a fresh entry, not the idle one's";
    EXPECT_EQ(table.find(v4("192.0.2.1")), nullptr);
    EXPECT_NE(table.find(v4("192.0.2.2")), nullptr);
}

TEST(PerSourceTable, GrowingKeepsTheBusyEntriesAndDropsTheIdle)
{
    per_source<unsigned> table(8, 8);
    for (int i = 0; i < 8; ++i)
        *table.find_or_add(nth(i), idle_at_zero).entry = i % 2 == 0 ? 5 : 0;
    table.grow(idle_at_zero);
    EXPECT_GE(table.capacity(), 16U);
    for (int i = 0; i < 8; ++i) {
        const unsigned* found = table.find(nth(i));
        if (i % 2 == 0) {
            ASSERT_NE(found, nullptr) << i;
            EXPECT_EQ(*found, 5U);
        } else {
            EXPECT_EQ(found, nullptr) << i;
        }
    }
}

TEST(ChildTable, CountsEachSourcesLiveChildrenHoweverManySourcesThereAre)
{
    echod::child_table children;
    const sockaddr_in none{};
    const echod::peer_address peer(reinterpret_cast<const sockaddr*>(&none), sizeof none);
    // More sources than the table starts with: it grows, no count is lost.
    for (int i = 0; i < 3000; ++i) {
        children.add(1000 + 2 * i, {nth(i), peer, {}});
        children.add(1001 + 2 * i, {nth(i), peer, {}});
    }
    EXPECT_EQ(children.size(), 6000U);
    for (int i = 0; i < 3000; ++i)
        ASSERT_EQ(children.connections_from(nth(i)), 2U) << i;

    echod::child_info out;
    for (int i = 0; i < 3000; ++i)
        ASSERT_TRUE(children.remove(1000 + 2 * i, out));
    EXPECT_FALSE(children.remove(1000, out)) << "already gone";
    for (int i = 0; i < 3000; ++i)
        ASSERT_EQ(children.connections_from(nth(i)), 1U) << i;
    for (int i = 0; i < 3000; ++i)
        ASSERT_TRUE(children.remove(1001 + 2 * i, out));
    EXPECT_TRUE(children.empty());
    EXPECT_EQ(children.connections_from(nth(7)), 0U);

    // The slots of sources with nothing open serve new ones.
    children.add(42, {v4("192.0.2.9"), peer, {}});
    EXPECT_EQ(children.connections_from(v4("192.0.2.9")), 1U);
}

} // namespace
