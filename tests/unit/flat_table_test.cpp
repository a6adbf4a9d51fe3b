// server/flat_table.hpp against std::unordered_map: the backward-shift
// deletion must never lose an entry that sits behind the hole, including runs
// that wrap around the end of the array.
#include "limits/flat_table.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <unordered_map>

namespace {

using table = echod::flat_table<int, int, std::hash<int>>;

void expect_same(const table& t, const std::unordered_map<int, int>& model)
{
    ASSERT_EQ(t.size(), model.size());
    for (const auto& [k, v] : model) {
        const int* found = t.find(k);
        ASSERT_NE(found, nullptr) << "lost key " << k;
        EXPECT_EQ(*found, v) << "key " << k;
    }
    std::size_t visited = 0;
    t.for_each([&](int k, int v) {
        ++visited;
        const auto it = model.find(k);
        ASSERT_NE(it, model.end()) << "stray key " << k;
        EXPECT_EQ(it->second, v);
    });
    EXPECT_EQ(visited, model.size());
}

TEST(FlatTable, EmptyTableFindsNothing)
{
    table t;
    EXPECT_EQ(t.find(1), nullptr);
    EXPECT_FALSE(t.erase(1));
    EXPECT_EQ(t.size(), 0U);
}

TEST(FlatTable, InsertFindEraseOne)
{
    table t;
    t[42] = 7;
    ASSERT_NE(t.find(42), nullptr);
    EXPECT_EQ(*t.find(42), 7);
    ++t[42];
    EXPECT_EQ(*t.find(42), 8);
    EXPECT_TRUE(t.erase(42));
    EXPECT_EQ(t.find(42), nullptr);
    EXPECT_FALSE(t.erase(42));
}

TEST(FlatTable, CollidingRunThatWrapsAroundSurvivesErasure)
{
    // With the identity hash and 16 slots, 15, 31, 47, ... all want slot 15:
    // their run wraps to slots 0, 1, ... and 1, 2 are pushed behind it.
    table t;
    std::unordered_map<int, int> model;
    for (int k : {15, 31, 47, 63, 1, 2}) {
        t[k] = k * 10;
        model[k] = k * 10;
    }
    expect_same(t, model);
    for (int k : {31, 15, 1, 63}) {
        EXPECT_TRUE(t.erase(k));
        model.erase(k);
        expect_same(t, model);
    }
}

TEST(FlatTable, RandomOperationsMatchUnorderedMap)
{
    std::mt19937 rng(12345);
    for (int round = 0; round < 20; ++round) {
        table t;
        std::unordered_map<int, int> model;
        // A small key space forces long probe runs, growth and many deletions.
        std::uniform_int_distribution<int> key(0, 40 + round * 20);
        for (int op = 0; op < 5000; ++op) {
            const int k = key(rng);
            if (rng() % 3 == 0) {
                EXPECT_EQ(t.erase(k), model.erase(k) == 1);
            } else {
                t[k] += op;
                model[k] += op;
            }
        }
        expect_same(t, model);
    }
}

TEST(FlatTable, SequentialKeysLikePidsStayFindable)
{
    table t;
    std::unordered_map<int, int> model;
    // A window of live pids sliding forward, as children come and go.
    for (int pid = 1000; pid < 21000; ++pid) {
        t[pid] = pid;
        model[pid] = pid;
        if (pid >= 1100) {
            EXPECT_TRUE(t.erase(pid - 100));
            model.erase(pid - 100);
        }
    }
    expect_same(t, model);
}

} // namespace
