// What the writer and the reader of the ping mode share, in one anonymous
// MAP_SHARED mapping made before fork(): how many probes have left and when
// each was due to be timed from (so the reader can declare a probe lost
// without an echo to read the time from), and how many the reader has
// settled (so the writer never overwrites a slot still in use). A fixed
// ring, so a long run never grows.
#pragma once

#include "echo/anonymous_mapping.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace echo_client::ping {

class shared_book {
public:
    // Probes sent but not yet settled (echoed, corrupted or lost): at most this many.
    static constexpr std::uint64_t ring_size = 65536;

    shared_book();

    // Writer: probe `sequence` (== sent()) left, timed from `sent_ns`.
    void record_sent(std::uint64_t sequence, std::uint64_t sent_ns) noexcept
    {
        data_->sent_ns[sequence % ring_size].store(sent_ns, std::memory_order_relaxed);
        data_->sent.store(sequence + 1, std::memory_order_release);
    }
    [[nodiscard]] std::uint64_t sent() const noexcept { return data_->sent.load(std::memory_order_acquire); }
    // Valid for sequence < sent() and not yet settled.
    [[nodiscard]] std::uint64_t sent_ns(std::uint64_t sequence) const noexcept
    {
        return data_->sent_ns[sequence % ring_size].load(std::memory_order_relaxed);
    }

    // Reader: every probe below `sequence` is settled.
    void record_settled(std::uint64_t sequence) noexcept
    {
        data_->settled.store(sequence, std::memory_order_release);
    }
    [[nodiscard]] std::uint64_t settled() const noexcept { return data_->settled.load(std::memory_order_acquire); }

    // Either process, with --udp: the host answered a probe with ICMP port
    // unreachable. The kernel hands that error to whichever call comes
    // first, the writer's send or the reader's recv, and to that one only.
    void record_refused() noexcept { data_->refused.fetch_add(1, std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t refused() const noexcept { return data_->refused.load(std::memory_order_relaxed); }

private:
    struct layout {
        std::atomic<std::uint64_t> sent{0};
        std::atomic<std::uint64_t> settled{0};
        std::atomic<std::uint64_t> refused{0};
        std::atomic<std::uint64_t> sent_ns[ring_size]{};
    };
    static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared across processes");
    static_assert(std::is_trivially_destructible_v<std::atomic<std::uint64_t>>, "unmapped without destructors");
    echo::anonymous_mapping memory_; // shared with the child fork() makes
    layout* data_;
};

} // namespace echo_client::ping
