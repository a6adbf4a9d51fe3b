// At most one line a second for a recurring complaint (fork failing, out of
// descriptors, a source over its limit), so a flood cannot flood the log.
#pragma once

#include "echo/log.hpp"

#include <chrono>
#include <string>

namespace echod {

class log_throttle {
public:
    explicit log_throttle(std::chrono::milliseconds interval = std::chrono::seconds(1)) : interval_(interval) {}

    template <typename... Parts>
    void log(echo::log_level level, const Parts&... parts)
    {
        const auto now = std::chrono::steady_clock::now();
        if (now < next_) {
            ++suppressed_;
            return;
        }
        next_ = now + interval_;
        if (suppressed_ > 0)
            echo::log(level, parts..., " (", suppressed_, " more like this suppressed)");
        else
            echo::log(level, parts...);
        suppressed_ = 0;
    }

private:
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point next_{};
    unsigned long suppressed_ = 0;
};

} // namespace echod
