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

// The length of a window in whole seconds: `window` when it ran its course
// (logged a little late, perhaps, but counting what the window saw), less at
// shutdown.
long long seconds_of(log_throttle::clock::duration span)
{
    return std::chrono::ceil<std::chrono::seconds>(span).count();
}

} // namespace

void refusal_log::refused(const child_info& who, unsigned limit, clock::time_point now, unsigned long count)
{
    total_ += count;
    log_throttle* const mine = sources_.find_or_add(who.source, [](const log_throttle& w) { return !w.open(); }).entry;
    if (!mine) {
        (void)others_.admit(now, count);
        return;
    }
    // A window that has ended is summed up before the next one opens.
    log_sum(who.source, *mine, limit, now, false);
    if (mine->admit(now, count))
        echo::log(echo::log_level::warning, "refused connection from ", who.peer.to_string(),
                  who.relay.kind == relay_kind::proxied ? " via " + who.relay.balancer.to_string() : std::string(),
                  ": its source already has ", limit, " connections (max-per-source)");
}

void refusal_log::log_sum(const source_key& source, log_throttle& w, unsigned limit, clock::time_point now,
                          bool at_once)
{
    const auto s = w.take_summary(now, at_once);
    // The first was logged when it happened; a window of one needs no sum.
    if (s && s->suppressed > 0)
        echo::log(echo::log_level::warning, "refused ", s->written + s->suppressed, " connections from ",
                  describe(source), " in the last ", seconds_of(s->span), " s (max-per-source ", limit, ")");
}

void refusal_log::flush_ended(clock::time_point now, unsigned limit, bool every_window)
{
    sources_.for_each([&](const source_key& source, log_throttle& w) { log_sum(source, w, limit, now, every_window); });
    if (const auto s = others_.take_summary(now, every_window); s && s->suppressed > 0)
        echo::log(echo::log_level::warning, "refused ", s->suppressed, " connections from other sources in the last ",
                  seconds_of(s->span), " s (max-per-source ", limit, "; ", sources_tracked,
                  " sources are counted one by one)");
}

refusal_log::clock::time_point refusal_log::next_due() const noexcept
{
    auto next = others_.due();
    sources_.for_each([&next](const source_key&, const log_throttle& w) { next = std::min(next, w.due()); });
    return next;
}

} // namespace echod
