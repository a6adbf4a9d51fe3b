// What the stream mode's two processes share, kept in a shared_book made
// before the fork, with the echo's digest slots after it. Every field has
// exactly one writing process; the other reads the atomics while both run and the
// rest only after the child has exited (waitpid orders the two).
#pragma once

#include "stream_digest.hpp"

#include "shared_book.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

namespace echo_client {

// Digest slots for each stream: 2^20 blocks of 64 KiB place a difference in
// the first 64 GiB; past that, the last slot covers the rest (12 MiB of
// address space, touched only as far as the stream goes).
inline constexpr std::size_t digest_slots = std::size_t{1} << 20;

// steady_clock ticks (CLOCK_MONOTONIC, the same in both processes).
using ticks = std::chrono::steady_clock::rep;
inline constexpr ticks reader_busy = std::numeric_limits<ticks>::max();

struct ledger {
    static constexpr const char* what = "the ledger";
    using tail_type = block_digest; // the echo's digest slots
    static constexpr std::size_t tail_count = digest_slots;

    explicit ledger(std::span<block_digest> echo_slots) noexcept : echo(echo_slots) {}

    // Parent: bytes handed to send(), counted before the call; the echo can
    // never be longer, so a reader that has received more knows at once.
    std::atomic<std::uint64_t> queued{0};
    // Child: bytes of echo received (and written to stdout).
    std::atomic<std::uint64_t> received{0};
    // Child: when it began waiting on the server in read(), or reader_busy
    // while it writes stdout: --wait counts only time spent on the server.
    std::atomic<ticks> reader_waiting_since{0};
    // Child: errno of the read that failed (reader_status::socket_error);
    // the parent says what it means, naming the server and the counts.
    int read_error = 0;
    // Child, when more came back than was queued: both counts at that moment.
    std::uint64_t excess_received = 0;
    std::uint64_t excess_queued = 0;
    // Child: the echo's digests, finished before it exits.
    block_digests echo;

    static_assert(std::atomic<ticks>::is_always_lock_free, "shared across processes");
};

using shared_ledger = shared_book<ledger>;

} // namespace echo_client
