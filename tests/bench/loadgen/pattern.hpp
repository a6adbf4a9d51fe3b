// The bytes every mode sends: a fixed pseudo-random sequence, so any byte's
// expected value follows from its offset in the stream and every echoed byte
// can be checked without keeping what was sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace bench {

class pattern {
public:
    // A prime period, so the pattern does not line up with power-of-two
    // buffer sizes and a dropped or repeated block shows as a mismatch.
    static constexpr std::size_t period = 65521;
    // Longest contiguous slice that bytes() hands out.
    static constexpr std::size_t max_slice = 256 * 1024;

    pattern() : bytes_(period + max_slice)
    {
        std::uint32_t state = 0x9e3779b9u; // xorshift32: cheap, deterministic
        for (std::size_t i = 0; i < period; ++i) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            bytes_[i] = static_cast<char>(state >> 24);
        }
        // Make the buffer periodic, so any slice up to max_slice is contiguous.
        for (std::size_t i = period; i < bytes_.size(); ++i)
            bytes_[i] = bytes_[i - period];
    }

    // `length` (<= max_slice) pattern bytes starting at stream offset `offset`.
    [[nodiscard]] const char* bytes(std::uint64_t offset) const noexcept
    {
        return bytes_.data() + offset % period;
    }

    [[nodiscard]] bool matches(std::uint64_t offset, std::span<const char> data) const noexcept
    {
        return std::memcmp(bytes(offset), data.data(), data.size()) == 0;
    }

private:
    std::vector<char> bytes_;
};

} // namespace bench
