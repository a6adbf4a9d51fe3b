// CRC32C (Castagnoli, the CRC of iSCSI, ext4 and PROXY protocol v2's
// PP2_TYPE_CRC32C), one implementation for the project. Two forms:
// - checksum(): the plain CRC32C of a buffer (PROXY v2 headers, a few
//   hundred bytes at most, so one chain is enough);
// - lanes: echo-client's stream digests, in three interleaved lanes:
// 8-byte word 0, 3, 6, ... of a stretch of data goes to lane 0, word 1, 4, 7,
// ... to lane 1, the rest to lane 2. Each lane is the plain CRC32C of its own
// bytes, but the three are independent chains, so the CPU's crc32 instruction
// (SSE4.2) runs three at a time: about twice as fast as XXH3 on SSE2, three
// times one chain. Without SSE4.2 a table does the same, slower.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace echo::crc32c {

// Running values, each started at ~0 and complemented at the end
// (finished()), as CRC32C is defined.
using lanes = std::array<std::uint32_t, 3>;
inline constexpr lanes start{~0U, ~0U, ~0U};
[[nodiscard]] constexpr lanes finished(lanes crc) noexcept { return {~crc[0], ~crc[1], ~crc[2]}; }

// Adds `data`, whose first byte is byte `offset` of the interleaved stretch.
void update(lanes& crc, std::uint64_t offset, std::string_view data) noexcept;

// The same with tables only, whatever the CPU has (for tests).
void update_without_crc32_instruction(lanes& crc, std::uint64_t offset, std::string_view data) noexcept;

// The standard CRC32C of `data` (started at ~0, complemented at the end):
// checksum("123456789") is the published check value 0xE3069283.
[[nodiscard]] std::uint32_t checksum(std::string_view data) noexcept;

} // namespace echo::crc32c
