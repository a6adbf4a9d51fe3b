#include "outstanding.hpp"

namespace echo_client::udp {

void outstanding::add(const datagram_key& key, std::uint64_t deadline_ns)
{
    by_key_[key].push_back(first_ + order_.size());
    order_.push_back({key, deadline_ns, false});
    ++pending_;
}

outstanding::match outstanding::take(const datagram_key& key)
{
    if (auto it = by_key_.find(key); it != by_key_.end()) {
        const std::uint64_t sequence = it->second.front();
        it->second.pop_front();
        if (it->second.empty())
            by_key_.erase(it);
        order_[sequence - first_].settled = true;
        --pending_;
        drop_settled_front();
        return match::echoed;
    }
    if (auto it = lost_.find(key); it != lost_.end()) {
        if (--it->second == 0)
            lost_.erase(it);
        return match::late;
    }
    return match::stray;
}

std::optional<std::uint64_t> outstanding::next_deadline() const noexcept
{
    for (const auto& d : order_) // settled ones are only ever behind the front briefly
        if (!d.settled)
            return d.deadline_ns;
    return std::nullopt;
}

void outstanding::drop_settled_front()
{
    while (!order_.empty() && order_.front().settled) {
        order_.pop_front();
        ++first_;
    }
}

void outstanding::remember_lost(const datagram_key& key)
{
    ++lost_[key];
    lost_order_.push_back(key);
    if (lost_order_.size() <= lost_memory)
        return;
    // Forget the oldest: an echo that late is reported as stray.
    if (auto it = lost_.find(lost_order_.front()); it != lost_.end() && --it->second == 0)
        lost_.erase(it);
    lost_order_.pop_front();
}

} // namespace echo_client::udp
