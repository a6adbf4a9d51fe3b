// Writing a PROXY protocol header: echo-client --proxy sends one before its
// data, echod's tests send hand-made ones.
#pragma once

#include "echo/proxy_header.hpp"

#include <string>

namespace echo::proxy {

// "PROXY TCP4 SRC DST SPORT DPORT\r\n", or "PROXY UNKNOWN\r\n" for family
// unknown. Throws std::invalid_argument if the addresses do not match the
// family.
[[nodiscard]] std::string encode_v1(const header& h);

// The binary form: the fixed part, the addresses, then the TLVs that are set
// (authority, unique ID, SSL, netns) and, with `with_crc32c`, a
// PP2_TYPE_CRC32C over the whole header, last. Bytes in a std::string, ready
// for write(). Throws std::invalid_argument if the addresses do not match
// the family or the header would exceed max_v2_length.
[[nodiscard]] std::string encode_v2(const header& h, bool with_crc32c);

// encode_v1 or encode_v2 (without CRC32C) by h.version.
[[nodiscard]] std::string encode(const header& h);

} // namespace echo::proxy
