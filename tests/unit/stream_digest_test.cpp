// echo-client's block digests: the same stream gives the same digests however
// it is cut into reads, and the comparison names the first block that differs
// and tells a short echo from a long one. Past its slots, the last slot takes
// the rest of the stream.
#include "stream_digest.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace {

using echo_client::block_digests;
using echo_client::echo_verdict;
constexpr std::uint64_t block = block_digests::block_size;

std::string random_text(std::size_t n, unsigned seed)
{
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s)
        c = static_cast<char>(gen());
    return s;
}

// A stream and its digests, fed in pieces of the given sizes (cycled).
struct digested {
    explicit digested(std::size_t slots = 64) : storage(slots), digests(storage) {}
    digested(const std::string& data, std::vector<std::size_t> pieces, std::size_t slots = 64) : digested(slots)
    {
        for (std::size_t pos = 0, i = 0; pos < data.size(); ++i) {
            const std::size_t n = std::min(pieces[i % pieces.size()], data.size() - pos);
            digests.add(std::string_view(data).substr(pos, n));
            pos += n;
        }
        digests.finish();
    }
    std::vector<echo_client::block_digest> storage;
    block_digests digests;
};

TEST(BlockDigests, IndependentOfHowTheStreamIsCut)
{
    const std::string data = random_text(5 * block + 1234, 1);
    const digested whole(data, {data.size()});
    EXPECT_EQ(whole.digests.bytes(), data.size());
    EXPECT_EQ(whole.digests.digests().size(), 6U); // five full blocks and a partial one
    for (const std::vector<std::size_t>& pieces : std::vector<std::vector<std::size_t>>{
             {1}, {7, 4096, 1}, {block}, {block - 1}, {block + 1}, {3 * block + 5}}) {
        const digested cut(data, pieces);
        ASSERT_EQ(std::vector(cut.digests.digests().begin(), cut.digests.digests().end()),
                  std::vector(whole.digests.digests().begin(), whole.digests.digests().end()))
            << "pieces of " << pieces.front();
        EXPECT_EQ(compare(whole.digests, cut.digests).what, echo_verdict::outcome::same);
    }
}

TEST(BlockDigests, EmptyAndExactBlocks)
{
    const digested empty("", {1});
    EXPECT_EQ(empty.digests.digests().size(), 0U);
    EXPECT_EQ(compare(empty.digests, empty.digests).what, echo_verdict::outcome::same);
    const digested two(random_text(2 * block, 2), {1000});
    EXPECT_EQ(two.digests.digests().size(), 2U); // no empty partial block after an exact end
}

// Every single flipped byte is found, in the right block.
TEST(BlockDigests, NamesTheFirstDifferingBlock)
{
    const std::string sent = random_text(4 * block + 100, 3);
    const digested original(sent, {65000});
    for (const std::uint64_t at : {std::uint64_t{0}, block - 1, block, 2 * block + 17, 4 * block, 4 * block + 99}) {
        std::string echoed = sent;
        echoed[at] = static_cast<char>(echoed[at] ^ 0x20); // what an upper-casing server does to letters
        echoed[4 * block + 50] = static_cast<char>(echoed[4 * block + 50] ^ 1); // and a later one
        const digested e(echoed, {4096});
        const auto v = compare(original.digests, e.digests);
        ASSERT_EQ(v.what, echo_verdict::outcome::different) << at;
        const std::uint64_t first = at / block * block;
        EXPECT_EQ(v.first, first) << at;
        EXPECT_EQ(v.last, std::min(first + block, std::uint64_t{sent.size()}) - 1) << at;
    }
}

TEST(BlockDigests, ShorterAndLongerEchoes)
{
    const std::string sent = random_text(3 * block + 10, 4);
    const digested original(sent, {block});
    // A correct prefix that stops short, inside a block or at its edge.
    for (const std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{block}, std::size_t{3 * block + 9}}) {
        const digested e(sent.substr(0, n), {100});
        EXPECT_EQ(compare(original.digests, e.digests).what, echo_verdict::outcome::shorter) << n;
    }
    // Extra bytes after a faithful echo.
    const digested longer(sent + "EXTRA", {100});
    EXPECT_EQ(compare(original.digests, longer.digests).what, echo_verdict::outcome::longer);
    // A short echo whose full blocks already differ: the difference wins.
    std::string wrong = sent.substr(0, 2 * block);
    wrong[10] = static_cast<char>(wrong[10] ^ 1);
    const digested short_wrong(wrong, {100});
    const auto v = compare(original.digests, short_wrong.digests);
    EXPECT_EQ(v.what, echo_verdict::outcome::different);
    EXPECT_EQ(v.first, 0U);
}

// With 3 slots, blocks 0 and 1 have their own and the third takes the rest:
// a difference far past it is still seen, and placed in "the rest".
TEST(BlockDigests, TheLastSlotTakesTheRestOfALongStream)
{
    const std::string sent = random_text(10 * block + 3, 5);
    const digested original(sent, {block / 2 + 1}, 3);
    EXPECT_EQ(original.digests.digests().size(), 3U);
    EXPECT_EQ(compare(original.digests, digested(sent, {999}, 3).digests).what, echo_verdict::outcome::same);

    std::string echoed = sent;
    echoed[9 * block] = static_cast<char>(echoed[9 * block] ^ 1);
    const auto v = compare(original.digests, digested(echoed, {999}, 3).digests);
    EXPECT_EQ(v.what, echo_verdict::outcome::different);
    EXPECT_EQ(v.first, 2 * block);
    EXPECT_EQ(v.last, sent.size() - 1);

    echoed = sent;
    echoed[block + 1] = static_cast<char>(echoed[block + 1] ^ 1);
    EXPECT_EQ(compare(original.digests, digested(echoed, {999}, 3).digests).first, block);

    // Lengths differ: the last slot covers different bytes and is not compared.
    EXPECT_EQ(compare(original.digests, digested(sent.substr(0, 9 * block), {999}, 3).digests).what,
              echo_verdict::outcome::shorter);
}

} // namespace
