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
      buckets_(slots)
{
    const auto now = clock::now();
    overflow_.fill(per_source_, now);
    total_.fill(total_rates_, now);
}

token_bucket& rate_limiter::bucket_of(const source_key& source, clock::time_point now) noexcept
{
    const auto owes_nothing = [&](token_bucket& b) {
        b.refill(per_source_, now);
        return b.full(per_source_);
    };
    const auto [bucket, fresh] = buckets_.find_or_add(source, owes_nothing);
    if (!bucket) {
        ++overflowed_;
        return overflow_;
    }
    if (fresh)
        bucket->fill(per_source_, now);
    return *bucket;
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
