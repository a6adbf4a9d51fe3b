#include "probe.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace echo_client::ping {
namespace {

// splitmix64: cheap, and every output bit depends on every input bit.
constexpr std::uint64_t mix(std::uint64_t x) noexcept
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::uint64_t check_of(probe_header h) noexcept
{
    return mix(h.sequence ^ mix(h.sent_ns));
}

void store(char* out, std::uint64_t v) noexcept
{
    if constexpr (std::endian::native == std::endian::big)
        v = __builtin_bswap64(v);
    std::memcpy(out, &v, sizeof v);
}

std::uint64_t load(const char* in) noexcept
{
    std::uint64_t v = 0;
    std::memcpy(&v, in, sizeof v);
    if constexpr (std::endian::native == std::endian::big)
        v = __builtin_bswap64(v);
    return v;
}

// Fills [begin, end) with the pattern that follows a header with this check.
void fill_pattern(char* begin, std::size_t length, std::uint64_t check) noexcept
{
    std::uint64_t state = check;
    std::size_t i = 0;
    for (; i + 8 <= length; i += 8) {
        state = mix(state);
        store(begin + i, state);
    }
    if (i < length) {
        char tail[8];
        store(tail, mix(state));
        std::memcpy(begin + i, tail, length - i);
    }
}

} // namespace

void write_probe(std::span<char> out, probe_header header) noexcept
{
    const std::uint64_t check = check_of(header);
    store(out.data(), header.sequence);
    store(out.data() + 8, header.sent_ns);
    store(out.data() + 16, check);
    fill_pattern(out.data() + header_size, out.size() - header_size, check);
}

std::optional<probe_header> read_header(std::span<const char> in) noexcept
{
    const probe_header h{load(in.data()), load(in.data() + 8)};
    if (load(in.data() + 16) != check_of(h))
        return std::nullopt;
    return h;
}

std::optional<std::size_t> first_difference(std::span<const char> in, probe_header header) noexcept
{
    // Compared a block at a time: memcmp over a stack block is as fast as
    // the pattern can be made, and a probe is at most 64 KiB.
    const std::uint64_t check = check_of(header);
    char expected[4096];
    std::uint64_t state = check;
    std::size_t offset = header_size;
    while (offset < in.size()) {
        const std::size_t length = std::min(sizeof expected, in.size() - offset);
        std::size_t i = 0;
        for (; i < length; i += 8) {
            state = mix(state);
            char word[8];
            store(word, state);
            std::memcpy(expected + i, word, std::min<std::size_t>(8, length - i));
        }
        if (std::memcmp(expected, in.data() + offset, length) != 0) {
            for (std::size_t j = 0; j < length; ++j)
                if (expected[j] != in[offset + j])
                    return offset + j;
        }
        offset += length;
    }
    return std::nullopt;
}

} // namespace echo_client::ping
