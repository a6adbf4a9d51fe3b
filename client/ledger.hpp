// What the client's two processes share: one mapping made before the fork
// (echo::anonymous_mapping, sharing::with_children). Every field has exactly
// one writing process; the other reads the atomics while both run and the
// rest only after the child has exited (waitpid orders the two).
#pragma once

#include "stream_digest.hpp"

#include "echo/anonymous_mapping.hpp"

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

    static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared across processes");
    static_assert(std::atomic<ticks>::is_always_lock_free, "shared across processes");
};

// The ledger and the echo's digest slots, in one shared mapping.
class shared_ledger {
public:
    shared_ledger();
    [[nodiscard]] ledger& get() noexcept { return *ledger_; }

private:
    echo::anonymous_mapping memory_;
    ledger* ledger_;
};

} // namespace echo_client
