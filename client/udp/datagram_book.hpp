// What the two processes of echo-client --udp share, in one anonymous
// MAP_SHARED mapping made before fork(). The writer records each datagram
// (its key and send time) before it sends it, so an echo can never arrive
// for a datagram the reader cannot look up; the reader counts what it
// settles (echoed, or lost after --timeout), which keeps the writer within
// its window. Each field has one writing process.
#pragma once

#include "datagram_key.hpp"

#include "echo/anonymous_mapping.hpp"

#include <atomic>
#include <cstdint>
#include <type_traits>

namespace echo_client::udp {

class datagram_book {
public:
    // At most this many datagrams, and this many bytes, are in flight (sent,
    // not yet settled): a window that keeps the sockets' receive buffers on
    // either side from overflowing, so a lossless path loses nothing.
    static constexpr std::uint64_t window = 64;
    static constexpr std::uint64_t window_bytes = 128 * 1024;

    datagram_book();

    // Writer.
    void record_sent(const datagram_key& key, std::uint64_t sent_ns) noexcept;
    void end_input() noexcept { data_->input_ended.store(1, std::memory_order_release); }
    [[nodiscard]] bool has_room_for(std::uint64_t bytes) const noexcept;

    // Reader: the datagram sent as number `sequence` (< sent()).
    struct sent_datagram {
        datagram_key key;
        std::uint64_t sent_ns = 0;
    };
    [[nodiscard]] sent_datagram entry(std::uint64_t sequence) const noexcept;
    [[nodiscard]] bool input_ended() const noexcept
    {
        return data_->input_ended.load(std::memory_order_acquire) != 0;
    }
    void record_echoed(std::uint64_t bytes) noexcept;
    void record_lost(std::uint64_t bytes) noexcept;
    void record_late() noexcept { data_->late.fetch_add(1, std::memory_order_relaxed); }
    void record_stray(std::uint64_t bytes) noexcept { data_->stray_bytes.store(bytes, std::memory_order_relaxed); }

    // Either.
    [[nodiscard]] std::uint64_t sent() const noexcept { return data_->sent.load(std::memory_order_acquire); }
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
    struct layout {
        std::atomic<std::uint64_t> sent{0};
        std::atomic<std::uint64_t> sent_bytes{0};
        std::atomic<std::uint64_t> input_ended{0};
        std::atomic<std::uint64_t> settled{0};
        std::atomic<std::uint64_t> settled_bytes{0};
        std::atomic<std::uint64_t> echoed{0};
        std::atomic<std::uint64_t> echoed_bytes{0};
        std::atomic<std::uint64_t> lost{0};
        std::atomic<std::uint64_t> lost_bytes{0};
        std::atomic<std::uint64_t> late{0};
        std::atomic<std::uint64_t> stray_bytes{0};
        // The reader copies each entry out before it can settle it, and the
        // writer stays within the window, so a slot is reused only when read.
        slot ring[window];
    };
    static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared across processes");
    static_assert(std::is_trivially_destructible_v<layout>, "unmapped without destructors");
    void settle(std::uint64_t bytes) noexcept;

    echo::anonymous_mapping memory_; // shared with the child fork() makes
    layout* data_;
};

} // namespace echo_client::udp
