#include "datagram_book.hpp"

#include <new>

namespace echo_client::udp {

datagram_book::datagram_book()
    : memory_(sizeof(layout), echo::sharing::with_children, "the datagram book"),
      data_(new (memory_.data()) layout)
{
}

void datagram_book::record_sent(const datagram_key& key, std::uint64_t sent_ns) noexcept
{
    const std::uint64_t sequence = data_->sent.load(std::memory_order_relaxed);
    slot& s = data_->ring[sequence % window];
    s.digest.store(key.digest, std::memory_order_relaxed);
    s.bytes.store(key.bytes, std::memory_order_relaxed);
    s.sent_ns.store(sent_ns, std::memory_order_relaxed);
    data_->sent_bytes.fetch_add(key.bytes, std::memory_order_relaxed);
    data_->sent.store(sequence + 1, std::memory_order_release); // publishes the slot
}

bool datagram_book::has_room_for(std::uint64_t bytes) const noexcept
{
    const std::uint64_t in_flight = data_->sent.load(std::memory_order_relaxed) -
                                    data_->settled.load(std::memory_order_acquire);
    if (in_flight == 0)
        return true; // a datagram larger than the byte window still goes, alone
    const std::uint64_t bytes_in_flight = data_->sent_bytes.load(std::memory_order_relaxed) -
                                          data_->settled_bytes.load(std::memory_order_acquire);
    return in_flight < window && bytes_in_flight + bytes <= window_bytes;
}

datagram_book::sent_datagram datagram_book::entry(std::uint64_t sequence) const noexcept
{
    const slot& s = data_->ring[sequence % window];
    return {{s.digest.load(std::memory_order_relaxed), s.bytes.load(std::memory_order_relaxed)},
            s.sent_ns.load(std::memory_order_relaxed)};
}

void datagram_book::settle(std::uint64_t bytes) noexcept
{
    data_->settled_bytes.fetch_add(bytes, std::memory_order_relaxed);
    data_->settled.fetch_add(1, std::memory_order_release);
}

void datagram_book::record_echoed(std::uint64_t bytes) noexcept
{
    data_->echoed.fetch_add(1, std::memory_order_relaxed);
    data_->echoed_bytes.fetch_add(bytes, std::memory_order_relaxed);
    settle(bytes);
}

void datagram_book::record_lost(std::uint64_t bytes) noexcept
{
    data_->lost.fetch_add(1, std::memory_order_relaxed);
    data_->lost_bytes.fetch_add(bytes, std::memory_order_relaxed);
    settle(bytes);
}

datagram_book::counts datagram_book::totals() const noexcept
{
    const auto& d = *data_;
    return {d.sent.load(), d.sent_bytes.load(), d.echoed.load(), d.echoed_bytes.load(),
            d.lost.load(), d.lost_bytes.load(), d.late.load(), d.stray_bytes.load()};
}

} // namespace echo_client::udp
