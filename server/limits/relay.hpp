// How a connection reached echod: straight from its client, or relayed by a
// load balancer that sent a PROXY header (proxy/). With a header the client
// is the address it carried, and the balancer is named beside it in the log.
#pragma once

#include "limits/peer_address.hpp"

#include <cstdint>

namespace echod {

enum class relay_kind : std::uint8_t {
    direct,  // no PROXY listener: the peer is the client
    proxied, // the header named the client
    local,   // v2 LOCAL (the balancer's health check): served as the balancer
    unknown, // v1 UNKNOWN / v2 AF_UNSPEC: the balancer did not say; served as the balancer
};

struct relay {
    relay_kind kind = relay_kind::direct;
    peer_address balancer; // the real peer, unless direct
};

} // namespace echod
