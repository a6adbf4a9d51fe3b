// Which datagrams UDP echo refuses, whatever the rate: pure functions of the
// datagram's source, its destination and what echod serves, so that every
// rule can be tested without a network.
//
// The rules are those of the careful inetds, which learned them from the
// 1996 "UDP packet storm" (CVE-1999-0103): a datagram whose source is
// spoofed to another echo (or chargen, daytime, ...) service makes two
// servers bounce it between them for ever; one whose source is a broadcast,
// multicast or loopback address makes echod answer many hosts, or itself.
//   OpenBSD inetd (dg_badinput): multicast sources, 0/8, 127/8, 255/8, the
//     interfaces' broadcast addresses, source ports below 1024 and 2049;
//   NetBSD inetd (port_good_dg): also ports 7, 9, 13, 19 and 37 (below 1024 here);
//   FreeBSD inetd (check_loop): a source port equal to a port echod serves.
// Loopback sources are fine when the datagram came to a loopback address
// (a local client), never otherwise. Datagrams sent to a broadcast or
// multicast address are refused too: one such request would make every
// echo server on the link answer.
//
// On a dual-stack socket IPv4 datagrams arrive with IPv4-mapped addresses;
// they are judged as the IPv4 addresses they are. (Linux drops IPv6 packets
// whose source is IPv4-mapped since 5.3, which is OpenBSD's check for them.)
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <span>
#include <string_view>

namespace echod::udp {

enum class refusal {
    none,
    multicast_source,      // 224/4, ff00::/8
    reserved_source,       // 0/8, 255/8, ::
    broadcast_source,      // an interface's broadcast address
    loopback_source,       // 127/8 or ::1 sent to an address that is not loopback
    reserved_port,         // below 1024, or 2049 (NFS)
    own_port,              // a port echod serves UDP echo on: a loop
    not_unicast_destination, // sent to a broadcast or multicast address
    over_source_rate,      // rate_limiter: the source's bucket is empty
    over_total_rate,       // rate_limiter: the global bucket is empty
    truncated,             // larger than the buffer (MSG_TRUNC): not echoed
};
inline constexpr std::size_t refusal_kinds = static_cast<std::size_t>(refusal::truncated) + 1;

// "source port below 1024", for the log.
[[nodiscard]] std::string_view describe(refusal r) noexcept;

// An address of either family as IPv6; IPv4 as IPv4-mapped.
[[nodiscard]] in6_addr as_ipv6(const sockaddr* address) noexcept;
[[nodiscard]] in6_addr as_ipv6(const in_addr& v4) noexcept;

struct guard_context {
    std::span<const unsigned> own_ports;      // the ports echod serves UDP echo on
    std::span<const in6_addr> broadcasts;     // the interfaces' IPv4 broadcast addresses, IPv4-mapped
};

// The first rule `source` (port included) breaks for a datagram that came to
// `destination` (from IP_PKTINFO/IPV6_PKTINFO); refusal::none if none.
[[nodiscard]] refusal check_datagram(const sockaddr* source, const in6_addr& destination,
                                     const guard_context& context) noexcept;

} // namespace echod::udp
