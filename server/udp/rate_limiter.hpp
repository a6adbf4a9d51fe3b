// Token buckets for UDP echo: one per source (IPv4 address or IPv6 /64, as
// for --max-per-source), one for all sources together, each counting
// datagrams and payload bytes. A bucket holds one second of its rate, and at
// least one datagram of the largest size, so a burst that size passes.
//
// The buckets are the policy; the table is limits/per_source.hpp, in fixed
// memory: a source whose bucket has filled up again owes nothing, so its
// slot may go to another; when the few slots a source may use are all held
// by sources that still owe, it shares one overflow bucket with the other
// latecomers. A flood from many spoofed addresses therefore neither grows
// echod nor pushes a busy real client out of its bucket; the global bucket
// bounds it anyway.
#pragma once

#include "limits/per_source.hpp"
#include "limits/source_key.hpp"
#include "udp/source_guard.hpp"
#include "config/config.hpp"

#include <chrono>
#include <cstddef>

namespace echod::udp {

using clock = std::chrono::steady_clock;

struct bucket_rates {
    double datagrams = 0; // a second; 0: no limit
    double bytes = 0;     // a second; 0: no limit
};

class token_bucket {
public:
    // Full, as of `now`.
    void fill(const bucket_rates& rates, clock::time_point now) noexcept;
    // Adds what `rates` earned since the last refill, up to the depth.
    void refill(const bucket_rates& rates, clock::time_point now) noexcept;
    [[nodiscard]] bool has(const bucket_rates& rates, std::size_t bytes) const noexcept;
    void take(const bucket_rates& rates, std::size_t bytes) noexcept;
    [[nodiscard]] bool full(const bucket_rates& rates) const noexcept;

private:
    double datagrams_ = 0;
    double bytes_ = 0;
    clock::time_point last_{};
};

class rate_limiter {
public:
    static constexpr std::size_t default_slots = 4096;

    explicit rate_limiter(const udp_settings& settings, std::size_t slots = default_slots);

    // Takes one datagram of `bytes` from both buckets of `source`, or from
    // neither: refusal::none, over_source_rate or over_total_rate.
    [[nodiscard]] refusal admit(const source_key& source, std::size_t bytes, clock::time_point now) noexcept;

    // Sources in the overflow bucket so far (for tests and the log).
    [[nodiscard]] unsigned long long overflowed() const noexcept { return overflowed_; }

private:
    token_bucket& bucket_of(const source_key& source, clock::time_point now) noexcept;

    bucket_rates per_source_;
    bucket_rates total_rates_;
    per_source<token_bucket> buckets_;
    token_bucket overflow_;
    token_bucket total_;
    unsigned long long overflowed_ = 0;
};

} // namespace echod::udp
