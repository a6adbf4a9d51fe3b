#include "proxy/proxy_refusals.hpp"

namespace echod {

using echo::log_level;

void proxy_refusals::untrusted(const peer_address& peer)
{
    ++total_;
    untrusted_log_.log(log_level::warning, "refused connection from ", peer.to_string(),
                       " on a PROXY listener: not a trusted balancer (proxy-from)");
}

void proxy_refusals::too_many_waiting(const peer_address& peer)
{
    ++total_;
    full_log_.log(log_level::warning, "refused connection from ", peer.to_string(), ": ", header_wait::capacity,
                  " connections already wait for their PROXY header");
}

void proxy_refusals::failed(const header_wait::result& r)
{
    ++total_;
    const auto who = r.balancer.to_string();
    switch (r.why) {
    case header_wait::failure::refused:
        refused_log_[static_cast<std::size_t>(r.reason)].log(log_level::warning, "refused PROXY connection from ",
                                                             who, ": ", echo::proxy::describe(r.reason));
        return;
    case header_wait::failure::truncated:
        truncated_log_.log(log_level::warning, "refused PROXY connection from ", who,
                           ": closed before its PROXY header was whole");
        return;
    case header_wait::failure::timeout:
        timeout_log_.log(log_level::warning, "refused PROXY connection from ", who, ": no whole PROXY header within ",
                         timeout_.count(), " s (proxy-timeout)");
        return;
    }
}

} // namespace echod
