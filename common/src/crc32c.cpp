#include "echo/crc32c.hpp"

#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace echo::crc32c {
namespace {

constexpr std::uint32_t polynomial = 0x82F63B78; // Castagnoli, reflected

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes.
constexpr auto tables = [] {
    std::array<std::array<std::uint32_t, 256>, 8> t{};
    for (std::uint32_t b = 0; b < 256; ++b) {
        std::uint32_t crc = b;
        for (int i = 0; i < 8; ++i)
            crc = (crc >> 1) ^ ((crc & 1) ? polynomial : 0);
        t[0][b] = crc;
    }
    for (std::size_t k = 1; k < 8; ++k)
        for (std::size_t b = 0; b < 256; ++b)
            t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
    return t;
}();

std::uint32_t table_byte(std::uint32_t crc, unsigned char byte) noexcept
{
    return (crc >> 8) ^ tables[0][(crc ^ byte) & 0xFF];
}

// Eight bytes in memory order, as the crc32 instruction takes a little-endian word.
std::uint32_t table_word(std::uint32_t crc, const unsigned char* p) noexcept
{
    const std::uint32_t low = crc ^ (std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
                                     std::uint32_t{p[3]} << 24);
    return tables[7][low & 0xFF] ^ tables[6][(low >> 8) & 0xFF] ^ tables[5][(low >> 16) & 0xFF] ^
           tables[4][low >> 24] ^ tables[3][p[4]] ^ tables[2][p[5]] ^ tables[1][p[6]] ^ tables[0][p[7]];
}

unsigned lane_of(std::uint64_t offset) noexcept
{
    return static_cast<unsigned>(offset / 8 % 3);
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) void update_with_crc32_instruction(lanes& crc, std::uint64_t offset,
                                                                     std::string_view data) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t n = data.size();
    std::uint64_t c[3] = {crc[0], crc[1], crc[2]};
    while (n > 0) {
        if (offset % 24 == 0 && n >= 24) {
            // The hot loop: three independent chains hide the instruction's latency.
            std::uint64_t a = c[0], b = c[1], d = c[2];
            const std::size_t groups = n / 24;
            for (std::size_t g = 0; g < groups; ++g, p += 24) {
                std::uint64_t w[3];
                std::memcpy(w, p, sizeof w);
                a = _mm_crc32_u64(a, w[0]);
                b = _mm_crc32_u64(b, w[1]);
                d = _mm_crc32_u64(d, w[2]);
            }
            c[0] = a, c[1] = b, c[2] = d;
            n -= groups * 24;
            offset += groups * 24;
        } else if (offset % 8 == 0 && n >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, sizeof w);
            auto& lane = c[lane_of(offset)];
            lane = _mm_crc32_u64(lane, w);
            p += 8, n -= 8, offset += 8;
        } else {
            auto& lane = c[lane_of(offset)];
            lane = _mm_crc32_u8(static_cast<std::uint32_t>(lane), *p);
            ++p, --n, ++offset;
        }
    }
    crc = {static_cast<std::uint32_t>(c[0]), static_cast<std::uint32_t>(c[1]), static_cast<std::uint32_t>(c[2])};
}

bool has_crc32_instruction() noexcept
{
    static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("sse4.2"));
    return has;
}
#endif

} // namespace

void update_without_crc32_instruction(lanes& crc, std::uint64_t offset, std::string_view data) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t n = data.size();
    while (n > 0) {
        auto& lane = crc[lane_of(offset)];
        if (offset % 8 == 0 && n >= 8) {
            lane = table_word(lane, p);
            p += 8, n -= 8, offset += 8;
        } else {
            lane = table_byte(lane, *p);
            ++p, --n, ++offset;
        }
    }
}

std::uint32_t checksum(std::string_view data) noexcept
{
    // One lane: a stretch of at most 8 bytes at offset 0 lies in lane 0 only,
    // so feeding the data 8 bytes at a time, each at offset 0, keeps a single
    // chain, instruction or tables alike.
    lanes crc = start;
    for (std::size_t pos = 0; pos < data.size(); pos += 8)
        update(crc, 0, data.substr(pos, 8));
    return finished(crc)[0];
}

void update(lanes& crc, std::uint64_t offset, std::string_view data) noexcept
{
#if defined(__x86_64__)
    if (has_crc32_instruction())
        return update_with_crc32_instruction(crc, offset, data);
#endif
    update_without_crc32_instruction(crc, offset, data);
}

} // namespace echo::crc32c
