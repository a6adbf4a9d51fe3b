// CRC32C (common/): checksum() is the standard CRC32C, as PROXY v2 needs;
// echo-client's lanes: each lane is the standard CRC32C of its bytes
// (checked against a bit-at-a-time reference and the published check value),
// whatever the offset and however the data is cut, with and without the
// CPU's crc32 instruction.
#include "echo/crc32c.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

namespace crc32c = echo::crc32c;

// CRC32C one bit at a time, straight from the definition.
std::uint32_t reference_crc32c(std::string_view data)
{
    std::uint32_t crc = ~0U;
    for (unsigned char byte : data) {
        crc ^= byte;
        for (int i = 0; i < 8; ++i)
            crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78U : 0U);
    }
    return ~crc;
}

// The three lanes by their definition: word k of the stretch (counted from
// its start, `offset` bytes before `data`) belongs to lane k % 3.
crc32c::lanes reference_lanes(std::uint64_t offset, std::string_view data)
{
    std::string lane[3];
    for (std::size_t i = 0; i < data.size(); ++i)
        lane[(offset + i) / 8 % 3].push_back(data[i]);
    return {reference_crc32c(lane[0]), reference_crc32c(lane[1]), reference_crc32c(lane[2])};
}

std::string random_text(std::size_t n, unsigned seed)
{
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s)
        c = static_cast<char>(gen());
    return s;
}

TEST(Crc32c, CheckValue)
{
    EXPECT_EQ(reference_crc32c("123456789"), 0xE3069283U); // the published CRC-32C check value
    // Nine bytes at offset 0: lane 0 holds "12345678", lane 1 holds "9".
    auto crc = crc32c::start;
    crc32c::update(crc, 0, "123456789");
    const auto done = crc32c::finished(crc);
    EXPECT_EQ(done[0], reference_crc32c("12345678"));
    EXPECT_EQ(done[1], reference_crc32c("9"));
    EXPECT_EQ(done[2], reference_crc32c(""));
}

TEST(Crc32c, ChecksumIsTheStandardCrc32c)
{
    EXPECT_EQ(crc32c::checksum("123456789"), 0xE3069283U);
    EXPECT_EQ(crc32c::checksum(""), 0U);
    for (std::size_t n : {1U, 7U, 8U, 9U, 23U, 24U, 25U, 300U}) {
        const std::string data = random_text(n, static_cast<unsigned>(n));
        EXPECT_EQ(crc32c::checksum(data), reference_crc32c(data)) << n << " bytes";
    }
}

using update_function = void (*)(crc32c::lanes&, std::uint64_t, std::string_view) noexcept;

class Crc32cLanes : public ::testing::TestWithParam<update_function> {};

TEST_P(Crc32cLanes, MatchTheReferenceForAnyOffsetAndCut)
{
    const update_function update = GetParam();
    std::mt19937 gen(862);
    for (int round = 0; round < 300; ++round) {
        const std::string data = random_text(std::uniform_int_distribution<std::size_t>(0, 3000)(gen), round);
        const std::uint64_t offset = std::uniform_int_distribution<std::uint64_t>(0, 100)(gen);
        auto crc = crc32c::start;
        for (std::size_t pos = 0; pos < data.size();) {
            const std::size_t n = std::min(std::uniform_int_distribution<std::size_t>(1, 200)(gen), data.size() - pos);
            update(crc, offset + pos, std::string_view(data).substr(pos, n));
            pos += n;
        }
        ASSERT_EQ(crc32c::finished(crc), reference_lanes(offset, data))
            << "round " << round << ", " << data.size() << " bytes at offset " << offset;
    }
}

INSTANTIATE_TEST_SUITE_P(Paths, Crc32cLanes,
                         ::testing::Values(&crc32c::update, &crc32c::update_without_crc32_instruction),
                         [](const auto& p) { return p.index == 0 ? "Dispatched" : "TablesOnly"; });

// A large buffer in one piece, as the client feeds it (the hot loop).
TEST(Crc32c, LargeBufferInOnePiece)
{
    const std::string data = random_text(128 * 1024 + 5, 3);
    auto fast = crc32c::start, tables = crc32c::start;
    crc32c::update(fast, 0, data);
    crc32c::update_without_crc32_instruction(tables, 0, data);
    EXPECT_EQ(fast, tables);
    EXPECT_EQ(crc32c::finished(fast), reference_lanes(0, data));
}

} // namespace
