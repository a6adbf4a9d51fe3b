// The test's view of a PROXY header, through common/'s parser (the one
// echod uses): where the header ends in the first bytes of a connection,
// and what it names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace proxytest {

struct header_cut {
    enum class kind { incomplete, whole, refused } outcome = kind::incomplete;
    std::size_t length = 0; // whole: the header's bytes; what follows is data
    std::string reason;     // refused: the parser's reason
};

// Looks for a header at the start of `bytes`.
[[nodiscard]] header_cut cut_header(std::string_view bytes);

// What a whole header names.
struct header_fields {
    int version = 0;          // 1 or 2
    bool proxied = false;     // carries addresses: v1 TCP4/TCP6, v2 PROXY over TCP
    std::string source;       // "127.0.0.1:40000", "[::1]:40000"
    std::string destination;
    bool crc32c = false;      // v2: a CRC32C TLV came with it (and the parser checked it)
};

// Throws std::runtime_error when `header` is not one whole header.
[[nodiscard]] header_fields fields_of(std::string_view header);

} // namespace proxytest
