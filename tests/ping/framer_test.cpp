// Cutting the echo stream back into probes, also when a server changed,
// dropped or added bytes.
#include "ping/framer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace echo_client::ping;

constexpr std::size_t size = 64;

std::string probe(std::uint64_t sequence)
{
    std::string p(size, '\0');
    write_probe({p.data(), p.size()}, {sequence, 1000 + sequence});
    return p;
}

// Everything the framer makes of `stream`, fed in pieces of `piece` bytes.
std::vector<framed> frame(const std::string& stream, std::size_t piece = 7)
{
    framer f(size);
    std::vector<framed> out;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
        const std::size_t n = std::min(piece, stream.size() - at);
        auto space = f.space();
        std::memcpy(space.data(), stream.data() + at, n);
        f.commit(n);
        while (const auto e = f.next(false))
            out.push_back(*e);
    }
    while (const auto e = f.next(true))
        out.push_back(*e);
    return out;
}

TEST(PingFramer, IntactProbesInAnyPieces)
{
    const std::string stream = probe(0) + probe(1) + probe(2);
    for (const std::size_t piece : {1, 7, 64, 1000}) {
        const auto got = frame(stream, piece);
        ASSERT_EQ(got.size(), 3u) << piece;
        for (std::uint64_t i = 0; i < 3; ++i) {
            EXPECT_EQ(got[i].what, framed::kind::probe);
            EXPECT_EQ(got[i].header.sequence, i);
            EXPECT_FALSE(got[i].first_difference);
        }
    }
}

TEST(PingFramer, ChangedPayloadNamesTheProbeAndTheOffset)
{
    std::string bad = probe(1);
    bad[40] = static_cast<char>(bad[40] ^ 1);
    const auto got = frame(probe(0) + bad + probe(2));
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[1].header.sequence, 1u);
    EXPECT_EQ(got[1].first_difference, 40u);
    EXPECT_FALSE(got[2].first_difference);
}

TEST(PingFramer, ChangedHeaderIsGarbageAndTheNextProbeIsIntact)
{
    std::string bad = probe(1);
    bad[3] = static_cast<char>(bad[3] ^ 1);
    const auto got = frame(probe(0) + bad + probe(2));
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[1].what, framed::kind::garbage);
    EXPECT_EQ(got[1].bytes, size);
    EXPECT_EQ(got[2].what, framed::kind::probe);
    EXPECT_EQ(got[2].header.sequence, 2u);
}

// Ten bytes missing from probe 1: it comes back corrupted (it ran into
// probe 2), the rest of probe 2 is garbage, and probe 3 is found again.
TEST(PingFramer, DroppedBytesShiftTheFramingOnlyUntilTheNextHeader)
{
    const std::string stream = probe(0) + probe(1).substr(0, 54) + probe(2) + probe(3);
    const auto got = frame(stream);
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[1].header.sequence, 1u);
    EXPECT_TRUE(got[1].first_difference);
    EXPECT_EQ(got[2].what, framed::kind::garbage);
    EXPECT_EQ(got[2].bytes, 54u);
    EXPECT_EQ(got[3].header.sequence, 3u);
    EXPECT_FALSE(got[3].first_difference);
}

TEST(PingFramer, AddedBytesAreGarbage)
{
    const auto got = frame(probe(0) + "extra" + probe(1));
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[1].what, framed::kind::garbage);
    EXPECT_EQ(got[1].bytes, 5u);
    EXPECT_EQ(got[2].header.sequence, 1u);
}

TEST(PingFramer, ProbeCutShortByTheEndIsGarbage)
{
    const auto got = frame(probe(0) + probe(1).substr(0, 30));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].what, framed::kind::garbage);
    EXPECT_EQ(got[1].bytes, 30u);
}

} // namespace
