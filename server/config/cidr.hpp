// An address block as an admin writes it for --proxy-from: "10.0.0.0/8",
// "2001:db8::/32", or a plain address (/32 or /128). Matched against a
// peer's address, an IPv4 peer that arrives IPv4-mapped on a dual-stack
// socket included.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace echod {

struct cidr {
    // IPv4 blocks are stored IPv4-mapped (::ffff:a.b.c.d, prefix + 96), so
    // one comparison serves both ways an IPv4 peer can arrive.
    std::array<std::uint8_t, 16> address{};
    unsigned prefix = 128; // bits of `address` that must match
    std::string text;      // as written, for messages
    friend bool operator==(const cidr& a, const cidr& b) { return a.address == b.address && a.prefix == b.prefix; }
};

// Throws std::invalid_argument saying what is wrong.
[[nodiscard]] cidr parse_cidr(std::string_view text);

// True if `peer` (AF_INET or AF_INET6) lies in `block`.
[[nodiscard]] bool contains(const cidr& block, const sockaddr* peer) noexcept;

} // namespace echod
