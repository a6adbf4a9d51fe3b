// Latency samples and the result lines every mode prints.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

class latencies {
public:
    void add(std::int64_t nanoseconds) { samples_.push_back(nanoseconds); }
    [[nodiscard]] std::size_t count() const noexcept { return samples_.size(); }
    // Microseconds at quantile q (0..1) by nearest rank; 0 without samples.
    [[nodiscard]] double quantile_us(double q);
    [[nodiscard]] double max_us();

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
    void print(bool ok, const std::string& human) const;

private:
    std::string mode_;
    std::ostringstream fields_;
};

} // namespace bench
