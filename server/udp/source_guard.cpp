#include "udp/source_guard.hpp"

#include <algorithm>
#include <cstring>

namespace echod::udp {
namespace {

bool is_v4(const in6_addr& a) noexcept
{
    return IN6_IS_ADDR_V4MAPPED(&a);
}

// The first octet of an IPv4-mapped address.
unsigned first_octet(const in6_addr& a) noexcept
{
    return a.s6_addr[12];
}

bool is_loopback(const in6_addr& a) noexcept
{
    return is_v4(a) ? first_octet(a) == 127 : IN6_IS_ADDR_LOOPBACK(&a);
}

bool is_multicast(const in6_addr& a) noexcept
{
    return is_v4(a) ? (first_octet(a) & 0xf0) == 0xe0 : IN6_IS_ADDR_MULTICAST(&a);
}

bool same(const in6_addr& a, const in6_addr& b) noexcept
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

bool is_broadcast(const in6_addr& a, std::span<const in6_addr> broadcasts) noexcept
{
    if (!is_v4(a))
        return false; // IPv6 has no broadcast
    if (a.s6_addr[12] == 255 && a.s6_addr[13] == 255 && a.s6_addr[14] == 255 && a.s6_addr[15] == 255)
        return true;
    // The loopback network's broadcast: lo has no broadcast address for the
    // interface list to give, and a reply there cannot even be routed.
    if (a.s6_addr[12] == 127 && a.s6_addr[13] == 255 && a.s6_addr[14] == 255 && a.s6_addr[15] == 255)
        return true;
    return std::any_of(broadcasts.begin(), broadcasts.end(), [&a](const in6_addr& b) { return same(a, b); });
}

unsigned port_of(const sockaddr* address) noexcept
{
    if (address->sa_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(address)->sin_port);
    if (address->sa_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(address)->sin6_port);
    return 0;
}

} // namespace

std::string_view describe(refusal r) noexcept
{
    switch (r) {
    case refusal::none: return "accepted";
    case refusal::multicast_source: return "multicast source address";
    case refusal::reserved_source: return "reserved source address (0/8, 255/8 or ::)";
    case refusal::broadcast_source: return "broadcast source address";
    case refusal::loopback_source: return "loopback source address sent to an address that is not loopback";
    case refusal::reserved_port: return "source port below 1024 or 2049";
    case refusal::own_port: return "source port is a port echod serves (loop request)";
    case refusal::not_unicast_destination: return "sent to a broadcast or multicast address";
    case refusal::over_source_rate: return "over the per-source rate (udp-rate-per-source, udp-bytes-per-source)";
    case refusal::over_total_rate: return "over the total rate (udp-rate-total, udp-bytes-total)";
    case refusal::truncated: return "larger than the receive buffer (truncated)";
    }
    return "refused";
}

in6_addr as_ipv6(const in_addr& v4) noexcept
{
    in6_addr out{};
    out.s6_addr[10] = 0xff;
    out.s6_addr[11] = 0xff;
    std::memcpy(&out.s6_addr[12], &v4, 4);
    return out;
}

in6_addr as_ipv6(const sockaddr* address) noexcept
{
    if (address->sa_family == AF_INET)
        return as_ipv6(reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
    if (address->sa_family == AF_INET6)
        return reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    return in6_addr{};
}

refusal check_datagram(const sockaddr* source, const in6_addr& destination, const guard_context& context) noexcept
{
    if (is_multicast(destination) || is_broadcast(destination, context.broadcasts))
        return refusal::not_unicast_destination;
    const in6_addr from = as_ipv6(source);
    if (is_multicast(from))
        return refusal::multicast_source;
    if (is_v4(from) ? first_octet(from) == 0 || first_octet(from) == 255 : IN6_IS_ADDR_UNSPECIFIED(&from))
        return refusal::reserved_source;
    if (is_broadcast(from, context.broadcasts))
        return refusal::broadcast_source;
    if (is_loopback(from) && !is_loopback(destination))
        return refusal::loopback_source;
    const unsigned port = port_of(source);
    if (std::find(context.own_ports.begin(), context.own_ports.end(), port) != context.own_ports.end())
        return refusal::own_port;
    if (port < 1024 || port == 2049)
        return refusal::reserved_port;
    return refusal::none;
}

} // namespace echod::udp
