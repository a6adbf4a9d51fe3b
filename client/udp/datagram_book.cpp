#include "datagram_book.hpp"

namespace echo_client::udp {

void datagram_records::record_sent(const datagram_key& key, std::uint64_t sent_ns) noexcept
{
    const std::uint64_t sequence = sent_.load(std::memory_order_relaxed);
    slot& s = ring_[sequence % window];
    s.digest.store(key.digest, std::memory_order_relaxed);
    s.bytes.store(key.bytes, std::memory_order_relaxed);
    s.sent_ns.store(sent_ns, std::memory_order_relaxed);
    sent_bytes_.fetch_add(key.bytes, std::memory_order_relaxed);
    sent_.store(sequence + 1, std::memory_order_release); // publishes the slot
}

bool datagram_records::has_room_for(std::uint64_t bytes) const noexcept
{
    const std::uint64_t in_flight = sent_.load(std::memory_order_relaxed) -
                                    settled_.load(std::memory_order_acquire);
    if (in_flight == 0)
        return true; // a datagram larger than the byte window still goes, alone
    const std::uint64_t bytes_in_flight = sent_bytes_.load(std::memory_order_relaxed) -
                                          settled_bytes_.load(std::memory_order_acquire);
    return in_flight < window && bytes_in_flight + bytes <= window_bytes;
}

datagram_records::sent_datagram datagram_records::entry(std::uint64_t sequence) const noexcept
{
    const slot& s = ring_[sequence % window];
    return {{s.digest.load(std::memory_order_relaxed), s.bytes.load(std::memory_order_relaxed)},
            s.sent_ns.load(std::memory_order_relaxed)};
}

void datagram_records::settle(std::uint64_t bytes) noexcept
{
    settled_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    settled_.fetch_add(1, std::memory_order_release);
}

void datagram_records::record_echoed(std::uint64_t bytes) noexcept
{
    echoed_.fetch_add(1, std::memory_order_relaxed);
    echoed_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    settle(bytes);
}

void datagram_records::record_lost(std::uint64_t bytes) noexcept
{
    lost_.fetch_add(1, std::memory_order_relaxed);
    lost_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    settle(bytes);
}

datagram_records::counts datagram_records::totals() const noexcept
{
    return {sent_.load(), sent_bytes_.load(), echoed_.load(), echoed_bytes_.load(),
            lost_.load(), lost_bytes_.load(), late_.load(), stray_bytes_.load()};
}

} // namespace echo_client::udp
