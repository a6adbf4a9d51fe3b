#include "udp/refusal_tally.hpp"

#include "echo/address.hpp"
#include "echo/log.hpp"

namespace echod::udp {

void refusal_tally::refused(refusal why, const sockaddr* source, socklen_t length, clock::time_point now)
{
    const auto kind = static_cast<std::size_t>(why);
    ++since_start_[kind];
    ++total_;
    tally& t = windows_[kind];
    if (t.open) {
        ++t.more;
        return;
    }
    t = {true, now, 0};
    echo::log(echo::log_level::warning, "refused a UDP datagram from ", echo::to_string(source, length), ": ",
              describe(why));
}

void refusal_tally::flush(clock::time_point now, bool every_window)
{
    for (std::size_t kind = 0; kind < windows_.size(); ++kind) {
        tally& t = windows_[kind];
        if (!t.open || (!every_window && now < t.opened + window))
            continue;
        if (t.more > 0)
            echo::log(echo::log_level::warning, "refused ", t.more, " more UDP datagram", t.more == 1 ? "" : "s",
                      " in the last ",
                      std::chrono::duration_cast<std::chrono::seconds>(std::min(now - t.opened, clock::duration(window)))
                          .count(),
                      " s: ", describe(static_cast<refusal>(kind)));
        t = {};
    }
}

refusal_tally::clock::time_point refusal_tally::next_due() const noexcept
{
    auto next = clock::time_point::max();
    for (const auto& t : windows_)
        if (t.open)
            next = std::min(next, t.opened + window);
    return next;
}

} // namespace echod::udp
