// The limits of UDP echo (--udp-*): what one source, and all of them
// together, may make echod send. Echo answers every datagram with one as
// large, so whoever can spoof a source address can aim echod at a victim;
// these buckets bound what such a victim gets. 0 means no limit.
#pragma once

namespace echod {

struct udp_settings {
    unsigned rate_per_source = 200;          // datagrams a second from one IPv4 address or IPv6 /64
    unsigned long bytes_per_source = 1'000'000; // payload bytes a second from one source
    unsigned rate_total = 20'000;            // datagrams a second from all sources together
    unsigned long bytes_total = 100'000'000; // payload bytes a second from all sources together
    friend bool operator==(const udp_settings&, const udp_settings&) = default;
};

} // namespace echod
