#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace echo_client::ping {

unsigned histogram::index_of(std::uint64_t ns) noexcept
{
    // Below 256 ns every nanosecond has its bucket; above, the top 8 bits of
    // the value pick one of 128 buckets in its power of two.
    const auto width = static_cast<unsigned>(std::bit_width(ns));
    const unsigned shift = width > sub_bits + 1 ? width - (sub_bits + 1) : 0;
    return shift * sub_count + static_cast<unsigned>(ns >> shift);
}

double histogram::middle_of(unsigned index) noexcept
{
    if (index < 2 * sub_count)
        return index;
    const unsigned shift = index / sub_count - 1;
    const std::uint64_t sub = index - shift * sub_count;
    const std::uint64_t lower = sub << shift;
    const std::uint64_t width = std::uint64_t{1} << shift;
    return static_cast<double>(lower) + static_cast<double>(width - 1) / 2.0;
}

void histogram::add(std::uint64_t ns) noexcept
{
    ns = std::min(ns, max_value_ns);
    ++buckets_[index_of(ns)];
    if (count_ == 0 || ns < min_)
        min_ = ns;
    max_ = std::max(max_, ns);
    ++count_;
    const double x = static_cast<double>(ns);
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(count_);
    squares_ += delta * (x - mean_);
}

double histogram::stddev_ns() const noexcept
{
    return count_ ? std::sqrt(squares_ / static_cast<double>(count_)) : 0.0;
}

double histogram::quantile_ns(double q) const noexcept
{
    if (count_ == 0)
        return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (unsigned i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen < rank)
            continue;
        // The extremes are known exactly: a quantile in their bucket is them.
        if (i == index_of(max_))
            return static_cast<double>(max_);
        if (i == index_of(min_))
            return static_cast<double>(min_);
        return middle_of(i);
    }
    return static_cast<double>(max_);
}

} // namespace echo_client::ping
