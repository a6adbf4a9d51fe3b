// The PROXY protocol header (HAProxy's specification, versions 1 and 2) as a
// value: what a load balancer says about the client it is relaying. echod
// parses it (proxy_parse.hpp), echo-client writes it (proxy_encode.hpp).
//
// Version 1 is a text line, "PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n", at
// most 107 bytes. Version 2 is binary: a 12-byte signature, a version and
// command byte, a family byte, a 16-bit length, the addresses, then TLVs
// (type, 16-bit length, value) for what else the balancer knows.
#pragma once

#include "echo/address.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace echo::proxy {

// Bounds. A v1 line is at most 107 bytes including its CRLF (the
// specification's own figure for "PROXY UNKNOWN" with two IPv6 addresses).
inline constexpr std::size_t max_v1_length = 107;
// v2: the 16-byte fixed part, then at most this many bytes of addresses and
// TLVs. The specification allows 65535; balancers send a few hundred at most
// (addresses 36, an authority, a unique ID of 128, an SSL block with a CN),
// and each pending header is held in echod's parent, so a larger length is
// refused as oversized instead of read.
inline constexpr std::size_t v2_fixed_length = 16;
inline constexpr std::size_t max_v2_payload = 2048;
inline constexpr std::size_t max_v2_length = v2_fixed_length + max_v2_payload;
// PP2_TYPE_UNIQUE_ID is at most 128 bytes by the specification.
inline constexpr std::size_t max_unique_id = 128;

// "\r\n\r\n\0\r\nQUIT\n": no text protocol starts with it.
inline constexpr std::array<unsigned char, 12> v2_signature{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                            0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
inline constexpr std::string_view v1_signature = "PROXY ";

// TLV types (section 2.2 of the specification).
namespace tlv {
inline constexpr std::uint8_t alpn = 0x01;
inline constexpr std::uint8_t authority = 0x02;
inline constexpr std::uint8_t crc32c = 0x03;
inline constexpr std::uint8_t noop = 0x04;
inline constexpr std::uint8_t unique_id = 0x05;
inline constexpr std::uint8_t ssl = 0x20;
inline constexpr std::uint8_t ssl_version = 0x21;
inline constexpr std::uint8_t ssl_cn = 0x22;
inline constexpr std::uint8_t netns = 0x30;
} // namespace tlv

// PP2_TYPE_SSL's client field.
namespace ssl_client {
inline constexpr std::uint8_t ssl = 0x01;
inline constexpr std::uint8_t cert_conn = 0x02;
inline constexpr std::uint8_t cert_sess = 0x04;
} // namespace ssl_client

enum class command : std::uint8_t {
    local, // v2 only: the balancer speaks for itself (a health check); use the real peer
    proxy, // relayed: the addresses are the client's and the one it connected to
};

enum class family : std::uint8_t {
    unknown, // v1 "UNKNOWN", v2 AF_UNSPEC: the balancer does not say; use the real peer
    tcp4,
    tcp6,
};

// PP2_TYPE_SSL: how the client reached the balancer.
struct ssl_info {
    bool present = false;
    std::uint8_t client = 0;  // ssl_client bits
    std::uint32_t verify = 0; // 0: the client's certificate was verified
    std::string version;      // PP2_SUBTYPE_SSL_VERSION, e.g. "TLSv1.3"
    std::string common_name;  // PP2_SUBTYPE_SSL_CN
    friend bool operator==(const ssl_info&, const ssl_info&) = default;
};

struct header {
    int version = 2; // 1 or 2
    proxy::command command = command::proxy;
    proxy::family family = family::unknown;
    // With family tcp4/tcp6: AF_INET/AF_INET6 addresses with their ports.
    // Otherwise empty (family AF_UNSPEC).
    socket_address source;
    socket_address destination;
    // v2 TLVs kept; empty when absent. Any other TLV is skipped.
    std::string authority; // PP2_TYPE_AUTHORITY: the host name the client asked for (SNI)
    std::string unique_id; // PP2_TYPE_UNIQUE_ID: opaque bytes, at most max_unique_id
    ssl_info ssl;
    std::string netns;            // PP2_TYPE_NETNS: the namespace the balancer accepted in
    bool crc32c_checked = false;  // a PP2_TYPE_CRC32C was present and matched
};

// A header for a relayed TCP connection from `source` to `destination`
// (both AF_INET or both AF_INET6), version 1 or 2.
[[nodiscard]] header relayed(int version, const socket_address& source, const socket_address& destination);

} // namespace echo::proxy
