#include "logging/refusal_log.hpp"

#include "echo/log.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

namespace echod {
namespace {

// "192.0.2.7" for an IPv4 source, "2001:db8::/64" for an IPv6 one.
std::string describe(const source_key& source)
{
    char text[INET6_ADDRSTRLEN] = "";
    static constexpr std::uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(std::begin(v4_mapped), std::end(v4_mapped), source.bytes.begin())) {
        ::inet_ntop(AF_INET, &source.bytes[12], text, sizeof text);
        return text;
    }
    ::inet_ntop(AF_INET6, source.bytes.data(), text, sizeof text);
    return std::string(text) + "/64";
}

// The length of a window: `window` when it ran its course (logged a little
// late, perhaps, but counting what the window saw), less at shutdown.
long long seconds_since(refusal_log::clock::time_point then, refusal_log::clock::time_point now)
{
    const auto full = std::chrono::duration_cast<std::chrono::seconds>(refusal_log::window);
    const auto span = std::chrono::ceil<std::chrono::seconds>(now - then);
    return std::min(span, full).count();
}

} // namespace

void refusal_log::refused(const child_info& who, unsigned limit, clock::time_point now, unsigned long count)
{
    total_ += count;
    const auto found = std::find_if(open_.begin(), open_.end(),
                                    [&](const tally& t) { return t.source == who.source; });
    if (found != open_.end()) {
        found->count += count;
        return;
    }
    if (open_.size() >= sources_tracked) {
        if (others_.count == 0)
            others_.opened = now;
        others_.count += count;
        return;
    }
    open_.push_back(tally{who.source, now, count});
    echo::log(echo::log_level::warning, "refused connection from ", who.peer.to_string(),
              who.relay.kind == relay_kind::proxied ? " via " + who.relay.balancer.to_string() : std::string(),
              ": its source already has ", limit, " connections (max-per-source)");
}

void refusal_log::log_and_close(const tally& t, unsigned limit, clock::time_point now)
{
    // The first was logged when it happened; a window of one needs no sum.
    if (t.count > 1)
        echo::log(echo::log_level::warning, "refused ", t.count, " connections from ", describe(t.source),
                  " in the last ", seconds_since(t.opened, now), " s (max-per-source ", limit, ")");
}

void refusal_log::flush_ended(clock::time_point now, unsigned limit, bool every_window)
{
    const auto ended = [&](const tally& t) { return every_window || now >= t.opened + window; };
    for (const auto& t : open_)
        if (ended(t))
            log_and_close(t, limit, now);
    std::erase_if(open_, ended);
    if (others_.count > 0 && ended(others_)) {
        echo::log(echo::log_level::warning, "refused ", others_.count, " connections from other sources in the last ",
                  seconds_since(others_.opened, now), " s (max-per-source ", limit, "; ", sources_tracked,
                  " sources are counted one by one)");
        others_ = {};
    }
}

refusal_log::clock::time_point refusal_log::next_due() const noexcept
{
    auto next = clock::time_point::max();
    for (const auto& t : open_)
        next = std::min(next, t.opened + window);
    if (others_.count > 0)
        next = std::min(next, others_.opened + window);
    return next;
}

} // namespace echod
