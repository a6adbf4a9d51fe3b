// Latency samples and the result lines every mode prints.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

// What the modes report of a latency distribution, in microseconds.
struct percentiles {
    double p50_us = 0;
    double p99_us = 0;
    double max_us = 0;
};

class latencies {
public:
    void add(std::int64_t nanoseconds) { samples_.push_back(nanoseconds); }
    [[nodiscard]] std::size_t count() const noexcept { return samples_.size(); }
    // Microseconds at quantile q (0..1) by nearest rank; 0 without samples.
    [[nodiscard]] double quantile_us(double q);
    [[nodiscard]] double max_us();
    // p50, p99 and max at once, for the RESULT line and the human one alike.
    [[nodiscard]] percentiles summary();

private:
    std::vector<std::int64_t> samples_;
    bool sorted_ = false;
};

// One machine-readable line ("RESULT mode=rate ok=1 key=value ...") and one
// for people, both on stdout.
class result {
public:
    explicit result(const std::string& mode);
    result& add(const std::string& key, double value);
    result& add(const std::string& key, std::uint64_t value);
    result& add(const std::string& key, const std::string& value);
    // p50_us, p99_us and max_us, in that order: one place for the names
    // tests/bench/compare reads from every mode with a latency distribution.
    result& add(const percentiles& p);
    void print(bool ok, const std::string& human) const;

private:
    std::string mode_;
    std::ostringstream fields_;
};

} // namespace bench
