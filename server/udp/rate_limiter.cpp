#include "udp/rate_limiter.hpp"

#include <algorithm>

namespace echod::udp {
namespace {

// The largest UDP payload over IPv6 without jumbograms (over IPv4: 65,507):
// a bucket is at least this deep in bytes, or such a datagram could never pass.
constexpr double largest_datagram = 65'527;

double depth_of_bytes(const bucket_rates& r) noexcept
{
    return std::max(r.bytes, largest_datagram);
}

} // namespace

void token_bucket::fill(const bucket_rates& rates, clock::time_point now) noexcept
{
    datagrams_ = rates.datagrams;
    bytes_ = depth_of_bytes(rates);
    last_ = now;
}

void token_bucket::refill(const bucket_rates& rates, clock::time_point now) noexcept
{
    if (now <= last_)
        return;
    const double seconds = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    datagrams_ = std::min(rates.datagrams, datagrams_ + seconds * rates.datagrams);
    bytes_ = std::min(depth_of_bytes(rates), bytes_ + seconds * rates.bytes);
}

bool token_bucket::has(const bucket_rates& rates, std::size_t bytes) const noexcept
{
    return (rates.datagrams == 0 || datagrams_ >= 1) &&
           (rates.bytes == 0 || bytes_ >= static_cast<double>(bytes));
}

void token_bucket::take(const bucket_rates& rates, std::size_t bytes) noexcept
{
    if (rates.datagrams != 0)
        datagrams_ -= 1;
    if (rates.bytes != 0)
        bytes_ -= static_cast<double>(bytes);
}

bool token_bucket::full(const bucket_rates& rates) const noexcept
{
    return datagrams_ >= rates.datagrams && bytes_ >= depth_of_bytes(rates);
}

rate_limiter::rate_limiter(const udp_settings& settings, std::size_t slots)
    : per_source_{static_cast<double>(settings.rate_per_source), static_cast<double>(settings.bytes_per_source)},
      total_rates_{static_cast<double>(settings.rate_total), static_cast<double>(settings.bytes_total)},
      slots_(std::max<std::size_t>(slots, probes))
{
    const auto now = clock::now();
    overflow_.fill(per_source_, now);
    total_.fill(total_rates_, now);
}

token_bucket& rate_limiter::bucket_of(const source_key& source, clock::time_point now) noexcept
{
    const std::size_t start = source_key_hash{}(source) % slots_.size();
    slot* reusable = nullptr;
    for (std::size_t i = 0; i < probes; ++i) {
        slot& s = slots_[(start + i) % slots_.size()];
        if (s.used && s.key == source)
            return s.bucket;
        if (reusable)
            continue;
        if (!s.used) {
            reusable = &s;
        } else {
            s.bucket.refill(per_source_, now);
            if (s.bucket.full(per_source_))
                reusable = &s; // its source owes nothing: as good as new
        }
    }
    if (!reusable) {
        ++overflowed_;
        return overflow_;
    }
    reusable->used = true;
    reusable->key = source;
    reusable->bucket.fill(per_source_, now);
    return reusable->bucket;
}

refusal rate_limiter::admit(const source_key& source, std::size_t bytes, clock::time_point now) noexcept
{
    const bool per_source_limited = per_source_.datagrams != 0 || per_source_.bytes != 0;
    token_bucket* mine = nullptr;
    if (per_source_limited) {
        mine = &bucket_of(source, now);
        mine->refill(per_source_, now);
        if (!mine->has(per_source_, bytes))
            return refusal::over_source_rate;
    }
    total_.refill(total_rates_, now);
    if (!total_.has(total_rates_, bytes))
        return refusal::over_total_rate;
    if (mine)
        mine->take(per_source_, bytes);
    total_.take(total_rates_, bytes);
    return refusal::none;
}

} // namespace echod::udp
