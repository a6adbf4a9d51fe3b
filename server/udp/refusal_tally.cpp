#include "udp/refusal_tally.hpp"

#include "echo/address.hpp"
#include "echo/log.hpp"

#include <algorithm>

namespace echod::udp {

void refusal_tally::refused(refusal why, const sockaddr* source, socklen_t length, clock::time_point now)
{
    const auto kind = static_cast<std::size_t>(why);
    ++since_start_[kind];
    ++total_;
    // A window that has ended is summed up before the next one opens.
    log_sum(kind, now, false);
    if (windows_[kind].admit(now))
        echo::log(echo::log_level::warning, "refused a UDP datagram from ", echo::to_string(source, length), ": ",
                  describe(why));
}

void refusal_tally::log_sum(std::size_t kind, clock::time_point now, bool at_once)
{
    const auto s = windows_[kind].take_summary(now, at_once);
    if (s && s->suppressed > 0)
        echo::log(echo::log_level::warning, "refused ", s->suppressed, " more UDP datagram",
                  s->suppressed == 1 ? "" : "s", " in the last ",
                  std::chrono::duration_cast<std::chrono::seconds>(s->span).count(), " s: ",
                  describe(static_cast<refusal>(kind)));
}

void refusal_tally::flush(clock::time_point now, bool every_window)
{
    for (std::size_t kind = 0; kind < windows_.size(); ++kind)
        log_sum(kind, now, every_window);
}

refusal_tally::clock::time_point refusal_tally::next_due() const noexcept
{
    auto next = clock::time_point::max();
    for (const auto& w : windows_)
        next = std::min(next, w.due());
    return next;
}

} // namespace echod::udp
