#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>

namespace bench {

double latencies::quantile_us(double q)
{
    if (samples_.empty())
        return 0;
    if (!sorted_) {
        std::sort(samples_.begin(), samples_.end());
        sorted_ = true;
    }
    const auto n = samples_.size();
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
    rank = std::clamp<std::size_t>(rank, 1, n);
    return static_cast<double>(samples_[rank - 1]) / 1000.0;
}

double latencies::max_us()
{
    return quantile_us(1.0);
}

percentiles latencies::summary()
{
    return {quantile_us(0.50), quantile_us(0.99), max_us()};
}

result::result(const std::string& mode) : mode_(mode)
{
    fields_ << std::fixed << std::setprecision(2);
}

result& result::add(const std::string& key, double value)
{
    fields_ << ' ' << key << '=' << value;
    return *this;
}

result& result::add(const std::string& key, std::uint64_t value)
{
    fields_ << ' ' << key << '=' << value;
    return *this;
}

result& result::add(const std::string& key, const std::string& value)
{
    fields_ << ' ' << key << '=' << value;
    return *this;
}

result& result::add(const percentiles& p)
{
    return add("p50_us", p.p50_us).add("p99_us", p.p99_us).add("max_us", p.max_us);
}

void result::print(bool ok, const std::string& human) const
{
    std::printf("RESULT mode=%s ok=%d%s\n%s\n", mode_.c_str(), ok ? 1 : 0, fields_.str().c_str(), human.c_str());
    std::fflush(stdout);
}

} // namespace bench
