// How the client knows that the echo is what it sent, not just as long: the
// writing parent and the reading child each digest their own stream, block by
// block, and the parent compares the two lists once the child is done. A
// digest per 64 KiB block places the first difference within 64 KiB at a
// cost of 12 bytes a block.
#pragma once

#include "echo/crc32c.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace echo_client {

// A block's CRC32C in three interleaved lanes (echo/crc32c.hpp): 96 bits.
struct block_digest {
    echo::crc32c::lanes lanes{};
    friend bool operator==(const block_digest&, const block_digest&) = default;
};

class block_digests {
public:
    static constexpr std::uint64_t block_size = 64 * 1024;

    // Digests go into `slots`, which must not be empty. Once all but the last
    // are filled, the last one digests the rest of the stream, however long,
    // so a stream of any length fits.
    explicit block_digests(std::span<block_digest> slots) noexcept : slots_(slots) {}

    void add(std::string_view data) noexcept;
    // Closes the last, partial block (if any); at the end of the stream.
    void finish() noexcept;

    // Bytes added so far.
    [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }
    // The filled slots: every closed block, in order.
    [[nodiscard]] std::span<const block_digest> digests() const noexcept { return slots_.first(filled_); }
    [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

private:
    [[nodiscard]] bool in_last_slot() const noexcept { return filled_ + 1 == slots_.size(); }
    void close_block() noexcept;

    std::span<block_digest> slots_;
    std::size_t filled_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t in_block_ = 0; // bytes in the block being digested
    echo::crc32c::lanes crc_ = echo::crc32c::start;
};

// How the echo compares with what was sent.
struct echo_verdict {
    enum class outcome { same, different, shorter, longer };
    outcome what = outcome::same;
    // With `different`: the first block that differs is [first, last] (byte
    // offsets, inclusive). A difference after a length mismatch cannot be
    // placed: only blocks both streams hold in full are compared then.
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

// Compares two finished streams digested with the same slot capacity.
[[nodiscard]] echo_verdict compare(const block_digests& sent, const block_digests& echoed) noexcept;

} // namespace echo_client
