// A latency histogram of fixed size (HdrHistogram's layout): 128 linear
// buckets per power of two of nanoseconds, so every bucket is at most 1/128
// of its lower edge wide, and a value read back as the bucket's middle is
// within 0.4 % of any value in it. Values from 0 to 100 s fit in 3,968
// buckets (31 KiB); a day-long run at any rate never grows it. Minimum,
// maximum, mean and standard deviation are kept exactly besides.
#pragma once

#include <array>
#include <cstdint>

namespace echo_client::ping {

class histogram {
public:
    static constexpr std::uint64_t max_value_ns = 100'000'000'000; // 100 s; larger values count as 100 s

    void add(std::uint64_t ns) noexcept;

    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t min_ns() const noexcept { return count_ ? min_ : 0; }
    [[nodiscard]] std::uint64_t max_ns() const noexcept { return max_; }
    [[nodiscard]] double mean_ns() const noexcept { return mean_; }
    // Population standard deviation.
    [[nodiscard]] double stddev_ns() const noexcept;
    // The value at quantile q (0..1) by nearest rank, as the middle of its
    // bucket (the exact minimum or maximum in theirs); 0 when empty.
    [[nodiscard]] double quantile_ns(double q) const noexcept;

private:
    static constexpr unsigned sub_bits = 7; // 128 buckets per power of two
    static constexpr unsigned sub_count = 1U << sub_bits;
    // Powers of two up to 2^37 ns (137 s), the first holding 2 × 128 one-ns buckets.
    static constexpr unsigned bucket_count = 30 * sub_count + sub_count;

    [[nodiscard]] static unsigned index_of(std::uint64_t ns) noexcept;
    [[nodiscard]] static double middle_of(unsigned index) noexcept;

    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
    double mean_ = 0;         // Welford's running mean and sum of squared deviations:
    double squares_ = 0;      // no overflow, no cancellation over a long run
};

} // namespace echo_client::ping
