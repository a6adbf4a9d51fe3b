// Reading a PROXY protocol header from the first bytes of a connection,
// versions 1 and 2 told apart by their signatures. Bounded: parse() looks at
// no more than max_v2_length bytes, and says "incomplete" only while a
// header could still be valid, so a caller that holds the bytes it peeked
// needs at most max_v2_length of them.
#pragma once

#include "echo/proxy_header.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace echo::proxy {

// Why a header is refused. Each has a text (describe()) for the log.
enum class refusal : std::uint8_t {
    not_proxy,     // the first byte starts neither signature: a client talking directly
    bad_signature, // starts like a signature, then differs
    bad_version,   // v2 version nibble other than 2
    bad_command,   // v2 command other than LOCAL or PROXY
    bad_family,    // v1 other than TCP4/TCP6/UNKNOWN; v2 PROXY over UNIX, UDP or an unknown family
    bad_address,   // an address that does not parse or does not fit the family or the length
    bad_port,      // a v1 port that is not 0..65535
    malformed,     // a v1 line not "PROXY FAMILY SRC DST SPORT DPORT\r\n"
    too_long,      // a v1 line without CRLF within max_v1_length bytes
    oversized,     // a v2 length beyond max_v2_payload
    tlv_overrun,   // a TLV (or an SSL sub-TLV) running past its container
    bad_tlv,       // a known TLV with an impossible length (CRC32C not 4, UNIQUE_ID over 128, SSL under 5)
    bad_crc32c,    // PP2_TYPE_CRC32C does not match the header
};
inline constexpr int refusal_count = static_cast<int>(refusal::bad_crc32c) + 1;

[[nodiscard]] std::string_view describe(refusal r) noexcept;
// A short name, "bad_crc32c", for counters and tests.
[[nodiscard]] std::string_view name(refusal r) noexcept;

enum class outcome : std::uint8_t {
    incomplete, // a valid header may still follow: read more
    complete,   // `parsed` holds the header, `length` its size in bytes
    refused,    // `reason` says why
};

struct parse_result {
    proxy::outcome outcome = outcome::incomplete;
    header parsed;
    std::size_t length = 0;
    refusal reason = refusal::not_proxy;
};

// Parses the start of `input` (the bytes received so far). Bytes after the
// header are not looked at.
[[nodiscard]] parse_result parse(std::span<const std::byte> input);
[[nodiscard]] parse_result parse(std::string_view input);

} // namespace echo::proxy
