#include "echo/proxy_encode.hpp"

#include "echo/crc32c.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace echo::proxy {
namespace {

int address_family(family f) noexcept
{
    return f == family::tcp4 ? AF_INET : f == family::tcp6 ? AF_INET6 : AF_UNSPEC;
}

void check_addresses(const header& h)
{
    const int af = address_family(h.family);
    if (af == AF_UNSPEC)
        return;
    if (h.source.family != af || h.destination.family != af)
        throw std::invalid_argument("PROXY header addresses do not match its family");
}

std::string address_text(const socket_address& a)
{
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = a.family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(a.get())->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(a.get())->sin6_addr);
    if (::inet_ntop(a.family, raw, text, sizeof text) == nullptr)
        throw std::invalid_argument("PROXY header address cannot be written");
    return text;
}

void put16(std::string& out, std::size_t value)
{
    out.push_back(static_cast<char>((value >> 8) & 0xFF));
    out.push_back(static_cast<char>(value & 0xFF));
}

void put_tlv(std::string& out, std::uint8_t type, std::string_view value)
{
    out.push_back(static_cast<char>(type));
    put16(out, value.size());
    out.append(value);
}

// The raw address bytes (network order) of an AF_INET/AF_INET6 address, and its port.
std::string_view raw_address(const socket_address& a)
{
    if (a.family == AF_INET)
        return {reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in*>(a.get())->sin_addr), 4};
    return {reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in6*>(a.get())->sin6_addr), 16};
}

std::string ssl_value(const ssl_info& ssl)
{
    std::string v;
    v.push_back(static_cast<char>(ssl.client));
    for (int shift = 24; shift >= 0; shift -= 8)
        v.push_back(static_cast<char>((ssl.verify >> shift) & 0xFF));
    if (!ssl.version.empty())
        put_tlv(v, tlv::ssl_version, ssl.version);
    if (!ssl.common_name.empty())
        put_tlv(v, tlv::ssl_cn, ssl.common_name);
    return v;
}

} // namespace

std::string encode_v1(const header& h)
{
    check_addresses(h);
    if (h.family == family::unknown)
        return "PROXY UNKNOWN\r\n";
    return std::string("PROXY ") + (h.family == family::tcp4 ? "TCP4 " : "TCP6 ") + address_text(h.source) + " " +
           address_text(h.destination) + " " + std::to_string(port_of(h.source.get())) + " " +
           std::to_string(port_of(h.destination.get())) + "\r\n";
}

std::string encode_v2(const header& h, bool with_crc32c)
{
    check_addresses(h);
    std::string out(reinterpret_cast<const char*>(v2_signature.data()), v2_signature.size());
    out.push_back(static_cast<char>(0x20 | (h.command == command::proxy ? 0x1 : 0x0)));
    // High nibble: AF_UNSPEC 0, AF_INET 1, AF_INET6 2; low nibble: STREAM 1.
    out.push_back(static_cast<char>(h.family == family::tcp4 ? 0x11 : h.family == family::tcp6 ? 0x21 : 0x00));
    put16(out, 0); // the length, filled in below

    if (h.family != family::unknown) {
        out.append(raw_address(h.source));
        out.append(raw_address(h.destination));
        put16(out, port_of(h.source.get()));
        put16(out, port_of(h.destination.get()));
    }
    if (!h.authority.empty())
        put_tlv(out, tlv::authority, h.authority);
    if (!h.unique_id.empty())
        put_tlv(out, tlv::unique_id, h.unique_id);
    if (h.ssl.present)
        put_tlv(out, tlv::ssl, ssl_value(h.ssl));
    if (!h.netns.empty())
        put_tlv(out, tlv::netns, h.netns);
    // The CRC32C is computed over the whole header with its own value zero.
    std::size_t crc_at = 0;
    if (with_crc32c) {
        crc_at = out.size() + 3;
        put_tlv(out, tlv::crc32c, std::string(4, '\0'));
    }
    if (out.size() > max_v2_length)
        throw std::invalid_argument("PROXY v2 header longer than " + std::to_string(max_v2_length) + " bytes");
    const std::size_t payload = out.size() - v2_fixed_length;
    out[14] = static_cast<char>(payload >> 8);
    out[15] = static_cast<char>(payload & 0xFF);
    if (with_crc32c) {
        const std::uint32_t crc = crc32c::checksum(out);
        for (int i = 0; i < 4; ++i)
            out[crc_at + i] = static_cast<char>((crc >> (24 - 8 * i)) & 0xFF);
    }
    return out;
}

std::string encode(const header& h)
{
    return h.version == 1 ? encode_v1(h) : encode_v2(h, false);
}

} // namespace echo::proxy
