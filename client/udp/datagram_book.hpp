// What the two processes of echo-client --udp share, kept in a shared_book
// (../shared_book.hpp) made before fork(). The writer records each datagram
// (its key and send time) before it sends it, so an echo can never arrive
// for a datagram the reader cannot look up; the reader counts what it
// settles (echoed, or lost after --timeout), which keeps the writer within
// its window. Each field has one writing process.
#pragma once

#include "datagram_key.hpp"

#include "shared_book.hpp"

#include <atomic>
#include <cstdint>

namespace echo_client::udp {

class datagram_records {
public:
    static constexpr const char* what = "the datagram book";
    // At most this many datagrams, and this many bytes, are in flight (sent,
    // not yet settled): a window that keeps the sockets' receive buffers on
    // either side from overflowing, so a lossless path loses nothing.
    static constexpr std::uint64_t window = 64;
    static constexpr std::uint64_t window_bytes = 128 * 1024;

    // Writer.
    void record_sent(const datagram_key& key, std::uint64_t sent_ns) noexcept;
    void end_input() noexcept { input_ended_.store(1, std::memory_order_release); }
    [[nodiscard]] bool has_room_for(std::uint64_t bytes) const noexcept;

    // Reader: the datagram sent as number `sequence` (< sent()).
    struct sent_datagram {
        datagram_key key;
        std::uint64_t sent_ns = 0;
    };
    [[nodiscard]] sent_datagram entry(std::uint64_t sequence) const noexcept;
    [[nodiscard]] bool input_ended() const noexcept
    {
        return input_ended_.load(std::memory_order_acquire) != 0;
    }
    void record_echoed(std::uint64_t bytes) noexcept;
    void record_lost(std::uint64_t bytes) noexcept;
    void record_late() noexcept { late_.fetch_add(1, std::memory_order_relaxed); }
    void record_stray(std::uint64_t bytes) noexcept { stray_bytes_.store(bytes, std::memory_order_relaxed); }

    // Either.
    [[nodiscard]] std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_acquire); }
    struct counts {
        std::uint64_t sent, sent_bytes, echoed, echoed_bytes, lost, lost_bytes, late, stray_bytes;
    };
    [[nodiscard]] counts totals() const noexcept;

private:
    struct slot {
        std::atomic<std::uint64_t> digest{0};
        std::atomic<std::uint64_t> bytes{0};
        std::atomic<std::uint64_t> sent_ns{0};
    };
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> sent_bytes_{0};
    std::atomic<std::uint64_t> input_ended_{0};
    std::atomic<std::uint64_t> settled_{0};
    std::atomic<std::uint64_t> settled_bytes_{0};
    std::atomic<std::uint64_t> echoed_{0};
    std::atomic<std::uint64_t> echoed_bytes_{0};
    std::atomic<std::uint64_t> lost_{0};
    std::atomic<std::uint64_t> lost_bytes_{0};
    std::atomic<std::uint64_t> late_{0};
    std::atomic<std::uint64_t> stray_bytes_{0};
    // The reader copies each entry out before it can settle it, and the
    // writer stays within the window, so a slot is reused only when read.
    slot ring_[window];
    void settle(std::uint64_t bytes) noexcept;
};

using datagram_book = shared_book<datagram_records>;

} // namespace echo_client::udp
