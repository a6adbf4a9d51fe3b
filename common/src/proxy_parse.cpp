#include "echo/proxy_parse.hpp"

#include "echo/crc32c.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>

namespace echo::proxy {
namespace {

using bytes = std::string_view;

parse_result refuse(refusal r)
{
    parse_result result;
    result.outcome = outcome::refused;
    result.reason = r;
    return result;
}

parse_result incomplete()
{
    return {};
}

unsigned get16(bytes b, std::size_t at) noexcept
{
    return static_cast<unsigned>(static_cast<unsigned char>(b[at])) << 8 |
           static_cast<unsigned char>(b[at + 1]);
}

// ---- version 1 -------------------------------------------------------------

// Splits "A B C" at single spaces; an empty field (two spaces) is malformed.
bool split_fields(bytes line, std::array<bytes, 6>& fields, std::size_t& count)
{
    count = 0;
    std::size_t start = 0;
    while (true) {
        const auto space = line.find(' ', start);
        const auto field = line.substr(start, space == bytes::npos ? bytes::npos : space - start);
        if (field.empty() || count == fields.size())
            return false;
        fields[count++] = field;
        if (space == bytes::npos)
            return true;
        start = space + 1;
    }
}

bool parse_v1_address(bytes text, int af, socket_address& out)
{
    if (text.size() >= INET6_ADDRSTRLEN)
        return false;
    const std::string z(text);
    out = {};
    out.family = af;
    if (af == AF_INET) {
        auto* sin = reinterpret_cast<sockaddr_in*>(out.get());
        sin->sin_family = AF_INET;
        out.length = sizeof(sockaddr_in);
        return ::inet_pton(AF_INET, z.c_str(), &sin->sin_addr) == 1;
    }
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(out.get());
    sin6->sin6_family = AF_INET6;
    out.length = sizeof(sockaddr_in6);
    return ::inet_pton(AF_INET6, z.c_str(), &sin6->sin6_addr) == 1;
}

// Decimal 0..65535, no sign, no leading zero (the specification's form).
bool parse_port(bytes text, std::uint16_t& port)
{
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0'))
        return false;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535)
        return false;
    port = static_cast<std::uint16_t>(value);
    return true;
}

void set_port(socket_address& a, std::uint16_t port) noexcept
{
    if (a.family == AF_INET)
        reinterpret_cast<sockaddr_in*>(a.get())->sin_port = htons(port);
    else
        reinterpret_cast<sockaddr_in6*>(a.get())->sin6_port = htons(port);
}

parse_result parse_v1(bytes input)
{
    const auto window = input.substr(0, max_v1_length);
    const auto lf = window.find('\n');
    if (lf == bytes::npos)
        return window.size() < max_v1_length ? incomplete() : refuse(refusal::too_long);
    if (lf == 0 || window[lf - 1] != '\r')
        return refuse(refusal::malformed);
    const auto line = window.substr(v1_signature.size(), lf - 1 - v1_signature.size());
    if (line.find('\r') != bytes::npos)
        return refuse(refusal::malformed);

    parse_result result;
    result.outcome = outcome::complete;
    result.length = lf + 1;
    result.parsed.version = 1;
    result.parsed.command = command::proxy;

    // "UNKNOWN" may be followed by anything up to the CRLF, which is ignored.
    if (line == "UNKNOWN" || line.starts_with("UNKNOWN ")) {
        result.parsed.family = family::unknown;
        return result;
    }
    std::array<bytes, 6> f;
    std::size_t n = 0;
    if (!split_fields(line, f, n))
        return refuse(refusal::malformed);
    if (f[0] != "TCP4" && f[0] != "TCP6")
        return refuse(refusal::bad_family);
    if (n != 5)
        return refuse(refusal::malformed);
    const int af = f[0] == "TCP4" ? AF_INET : AF_INET6;
    header& h = result.parsed;
    h.family = af == AF_INET ? family::tcp4 : family::tcp6;
    if (!parse_v1_address(f[1], af, h.source) || !parse_v1_address(f[2], af, h.destination))
        return refuse(refusal::bad_address);
    std::uint16_t sport = 0, dport = 0;
    if (!parse_port(f[3], sport) || !parse_port(f[4], dport))
        return refuse(refusal::bad_port);
    set_port(h.source, sport);
    set_port(h.destination, dport);
    return result;
}

// ---- version 2 -------------------------------------------------------------

void v2_address(bytes raw, int af, std::uint16_t port, socket_address& out)
{
    out = {};
    out.family = af;
    if (af == AF_INET) {
        auto* sin = reinterpret_cast<sockaddr_in*>(out.get());
        sin->sin_family = AF_INET;
        std::memcpy(&sin->sin_addr, raw.data(), 4);
        sin->sin_port = htons(port);
        out.length = sizeof(sockaddr_in);
    } else {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(out.get());
        sin6->sin6_family = AF_INET6;
        std::memcpy(&sin6->sin6_addr, raw.data(), 16);
        sin6->sin6_port = htons(port);
        out.length = sizeof(sockaddr_in6);
    }
}

// Walks the TLVs in `area` (a TLV value or the rest of the header), calling
// visit(type, value, offset of the value within `area`) for each. False when
// one runs past the end.
template <typename Visit>
bool each_tlv(bytes area, Visit visit)
{
    std::size_t at = 0;
    while (at < area.size()) {
        if (area.size() - at < 3)
            return false;
        const std::size_t length = get16(area, at + 1);
        if (area.size() - at - 3 < length)
            return false;
        if (!visit(static_cast<std::uint8_t>(area[at]), area.substr(at + 3, length), at + 3))
            return true; // the visitor stopped (it set a refusal)
        at += 3 + length;
    }
    return true;
}

struct tlv_state {
    std::optional<refusal> refused;
    std::size_t crc_at = 0; // offset of the CRC32C value within the header; 0: none
};

bool read_ssl(bytes value, ssl_info& ssl, tlv_state& state)
{
    if (value.size() < 5) {
        state.refused = refusal::bad_tlv;
        return false;
    }
    ssl.present = true;
    ssl.client = static_cast<std::uint8_t>(value[0]);
    ssl.verify = static_cast<std::uint32_t>(get16(value, 1)) << 16 | get16(value, 3);
    const bool whole = each_tlv(value.substr(5), [&](std::uint8_t type, bytes sub, std::size_t) {
        if (type == tlv::ssl_version)
            ssl.version = std::string(sub);
        else if (type == tlv::ssl_cn)
            ssl.common_name = std::string(sub);
        return true; // other sub-TLVs (cipher, algorithms) are skipped
    });
    if (!whole) {
        state.refused = refusal::tlv_overrun;
        return false;
    }
    return true;
}

parse_result parse_v2(bytes input)
{
    if (input.size() < v2_fixed_length)
        return incomplete();
    const auto version_command = static_cast<unsigned char>(input[12]);
    if (version_command >> 4 != 2)
        return refuse(refusal::bad_version);
    const unsigned cmd = version_command & 0x0F;
    if (cmd > 1)
        return refuse(refusal::bad_command);
    const std::size_t payload = get16(input, 14);
    if (payload > max_v2_payload)
        return refuse(refusal::oversized);
    if (input.size() < v2_fixed_length + payload)
        return incomplete();
    const auto whole = input.substr(0, v2_fixed_length + payload);
    const auto body = whole.substr(v2_fixed_length);

    parse_result result;
    result.outcome = outcome::complete;
    result.length = whole.size();
    header& h = result.parsed;
    h.version = 2;
    h.command = cmd == 1 ? command::proxy : command::local;

    // Family byte: address family in the high nibble, transport in the low.
    const auto family_byte = static_cast<unsigned char>(input[13]);
    const unsigned af = family_byte >> 4, transport = family_byte & 0x0F;
    std::size_t address_size = 0;
    if (af == 0x0) {
        h.family = family::unknown;
    } else if ((af == 0x1 || af == 0x2) && transport == 0x1) {
        h.family = af == 0x1 ? family::tcp4 : family::tcp6;
        address_size = af == 0x1 ? 12 : 36;
    } else if (h.command == command::local) {
        // LOCAL: the family is to be ignored, and with it the whole block.
        h.family = family::unknown;
        return result;
    } else {
        return refuse(refusal::bad_family); // UNIX, UDP, or unknown: not a TCP client
    }
    if (body.size() < address_size)
        return refuse(refusal::bad_address);
    if (h.family != family::unknown && h.command == command::proxy) {
        const std::size_t n = h.family == family::tcp4 ? 4 : 16;
        const int a = h.family == family::tcp4 ? AF_INET : AF_INET6;
        v2_address(body.substr(0, n), a, static_cast<std::uint16_t>(get16(body, 2 * n)), h.source);
        v2_address(body.substr(n, n), a, static_cast<std::uint16_t>(get16(body, 2 * n + 2)), h.destination);
    } else {
        h.family = family::unknown; // LOCAL: the balancer's own connection
    }

    tlv_state state;
    const bool fits = each_tlv(body.substr(address_size), [&](std::uint8_t type, bytes value, std::size_t at) {
        switch (type) {
        case tlv::authority: h.authority = std::string(value); break;
        case tlv::unique_id:
            if (value.size() > max_unique_id) {
                state.refused = refusal::bad_tlv;
                return false;
            }
            h.unique_id = std::string(value);
            break;
        case tlv::crc32c:
            if (value.size() != 4 || state.crc_at != 0) {
                state.refused = refusal::bad_tlv;
                return false;
            }
            state.crc_at = v2_fixed_length + address_size + at;
            break;
        case tlv::ssl: return read_ssl(value, h.ssl, state);
        case tlv::netns: h.netns = std::string(value); break;
        default: break; // ALPN, NOOP, custom and unknown types: skipped by length
        }
        return true;
    });
    if (state.refused)
        return refuse(*state.refused);
    if (!fits)
        return refuse(refusal::tlv_overrun);
    if (state.crc_at != 0) {
        std::string zeroed(whole);
        const std::uint32_t carried = static_cast<std::uint32_t>(get16(whole, state.crc_at)) << 16 |
                                      get16(whole, state.crc_at + 2);
        std::fill_n(zeroed.begin() + static_cast<std::ptrdiff_t>(state.crc_at), 4, '\0');
        if (crc32c::checksum(zeroed) != carried)
            return refuse(refusal::bad_crc32c);
        h.crc32c_checked = true;
    }
    return result;
}

} // namespace

parse_result parse(std::string_view input)
{
    if (input.empty())
        return incomplete();
    const auto signature = bytes(reinterpret_cast<const char*>(v2_signature.data()), v2_signature.size());
    // Which signature the bytes so far could begin; a prefix of one is still incomplete.
    const auto matches = [&](bytes sig) {
        const std::size_t n = std::min(sig.size(), input.size());
        return input.substr(0, n) == sig.substr(0, n);
    };
    if (input[0] == 'P') {
        if (!matches(v1_signature))
            return refuse(refusal::bad_signature);
        return input.size() < v1_signature.size() ? incomplete() : parse_v1(input);
    }
    if (input[0] == '\r') {
        if (!matches(signature))
            return refuse(refusal::bad_signature);
        return parse_v2(input);
    }
    return refuse(refusal::not_proxy);
}

parse_result parse(std::span<const std::byte> input)
{
    return parse(std::string_view(reinterpret_cast<const char*>(input.data()), input.size()));
}

std::string_view describe(refusal r) noexcept
{
    switch (r) {
    case refusal::not_proxy: return "no PROXY header (the connection does not start with one)";
    case refusal::bad_signature: return "bad PROXY signature";
    case refusal::bad_version: return "PROXY v2 version other than 2";
    case refusal::bad_command: return "PROXY v2 command other than LOCAL or PROXY";
    case refusal::bad_family: return "PROXY family not TCP over IPv4 or IPv6";
    case refusal::bad_address: return "PROXY address malformed or short";
    case refusal::bad_port: return "PROXY v1 port not 0-65535";
    case refusal::malformed: return "PROXY v1 line malformed";
    case refusal::too_long: return "PROXY v1 line longer than 107 bytes";
    case refusal::oversized: return "PROXY v2 header longer than 16+2048 bytes";
    case refusal::tlv_overrun: return "PROXY v2 TLV runs past its end";
    case refusal::bad_tlv: return "PROXY v2 TLV of impossible length";
    case refusal::bad_crc32c: return "PROXY v2 CRC32C mismatch";
    }
    return "PROXY header refused";
}

std::string_view name(refusal r) noexcept
{
    switch (r) {
    case refusal::not_proxy: return "not_proxy";
    case refusal::bad_signature: return "bad_signature";
    case refusal::bad_version: return "bad_version";
    case refusal::bad_command: return "bad_command";
    case refusal::bad_family: return "bad_family";
    case refusal::bad_address: return "bad_address";
    case refusal::bad_port: return "bad_port";
    case refusal::malformed: return "malformed";
    case refusal::too_long: return "too_long";
    case refusal::oversized: return "oversized";
    case refusal::tlv_overrun: return "tlv_overrun";
    case refusal::bad_tlv: return "bad_tlv";
    case refusal::bad_crc32c: return "bad_crc32c";
    }
    return "unknown";
}

} // namespace echo::proxy
