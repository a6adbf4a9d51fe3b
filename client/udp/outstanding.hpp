// The reader's books for echo-client --udp: the datagrams in flight, matched
// to echoes by content (datagram_key) rather than by order, since UDP may
// reorder them; the oldest with equal content is taken first. A datagram
// whose --timeout passes is lost; an echo of it that comes after that is
// late, and anything else that matches nothing was never sent (or came back
// twice). Memory: the window in flight, plus the keys of the last lost ones.
#pragma once

#include "datagram_key.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

namespace echo_client::udp {

class outstanding {
public:
    void add(const datagram_key& key, std::uint64_t deadline_ns);

    enum class match { echoed, late, stray };
    [[nodiscard]] match take(const datagram_key& key);

    // Declares lost, oldest first, every datagram whose deadline is not after
    // `now_ns`; calls on_lost(bytes) for each.
    template <typename OnLost>
    void expire(std::uint64_t now_ns, OnLost on_lost);

    [[nodiscard]] bool empty() const noexcept { return pending_ == 0; }
    // The earliest deadline of a datagram still in flight.
    [[nodiscard]] std::optional<std::uint64_t> next_deadline() const noexcept;

    // How many lost keys are remembered, to tell a late echo from a stray one.
    static constexpr std::size_t lost_memory = 4096;

private:
    struct in_flight {
        datagram_key key;
        std::uint64_t deadline_ns = 0;
        bool settled = false;
    };
    using key_map = std::unordered_map<datagram_key, std::deque<std::uint64_t>, datagram_key_hash>;

    void drop_settled_front();
    void remember_lost(const datagram_key& key);

    std::deque<in_flight> order_; // by sequence; order_.front() is number first_
    std::uint64_t first_ = 0;
    std::uint64_t pending_ = 0;
    key_map by_key_;              // sequences in flight with that content, oldest first
    std::unordered_map<datagram_key, std::uint64_t, datagram_key_hash> lost_; // key: how many lost
    std::deque<datagram_key> lost_order_;
};

template <typename OnLost>
void outstanding::expire(std::uint64_t now_ns, OnLost on_lost)
{
    drop_settled_front();
    while (!order_.empty() && order_.front().deadline_ns <= now_ns) {
        const datagram_key key = order_.front().key;
        // The oldest in flight is the oldest of its content, so the front of its list.
        auto it = by_key_.find(key);
        it->second.pop_front();
        if (it->second.empty())
            by_key_.erase(it);
        order_.front().settled = true;
        --pending_;
        remember_lost(key);
        on_lost(key.bytes);
        drop_settled_front();
    }
}

} // namespace echo_client::udp
