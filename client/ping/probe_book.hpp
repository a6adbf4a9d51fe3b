// What the writer and the reader of the ping mode share, kept in a
// shared_book (../shared_book.hpp) made before fork(): how many probes have
// left and when each was due to be timed from (so the reader can declare a probe lost
// without an echo to read the time from), and how many the reader has
// settled (so the writer never overwrites a slot still in use). A fixed
// ring, so a long run never grows.
#pragma once

#include "shared_book.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace echo_client::ping {

class probe_records {
public:
    static constexpr const char* what = "the ping book";
    // Probes sent but not yet settled (echoed, corrupted or lost): at most this many.
    static constexpr std::uint64_t ring_size = 65536;

    // Writer: probe `sequence` (== sent()) left, timed from `sent_ns`.
    void record_sent(std::uint64_t sequence, std::uint64_t sent_ns) noexcept
    {
        sent_ns_[sequence % ring_size].store(sent_ns, std::memory_order_relaxed);
        sent_.store(sequence + 1, std::memory_order_release);
    }
    [[nodiscard]] std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_acquire); }
    // Valid for sequence < sent() and not yet settled.
    [[nodiscard]] std::uint64_t sent_ns(std::uint64_t sequence) const noexcept
    {
        return sent_ns_[sequence % ring_size].load(std::memory_order_relaxed);
    }

    // Reader: every probe below `sequence` is settled.
    void record_settled(std::uint64_t sequence) noexcept
    {
        settled_.store(sequence, std::memory_order_release);
    }
    [[nodiscard]] std::uint64_t settled() const noexcept { return settled_.load(std::memory_order_acquire); }

    // Either process, with --udp: the host answered a probe with ICMP port
    // unreachable. The kernel hands that error to whichever call comes
    // first, the writer's send or the reader's recv, and to that one only.
    void record_refused() noexcept { refused_.fetch_add(1, std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t refused() const noexcept { return refused_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> settled_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::uint64_t> sent_ns_[ring_size]{};
};

using probe_book = shared_book<probe_records>;

} // namespace echo_client::ping
