#include "config/cidr.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace echod {

cidr parse_cidr(std::string_view text)
{
    cidr block;
    block.text = std::string(text);
    const auto slash = text.find('/');
    const std::string address(text.substr(0, slash));
    in_addr v4{};
    in6_addr v6{};
    unsigned width = 0;
    if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) {
        block.address[10] = block.address[11] = 0xff;
        std::memcpy(&block.address[12], &v4, 4);
        width = 32;
    } else if (::inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
        std::memcpy(block.address.data(), &v6, 16);
        width = 128;
    } else {
        throw std::invalid_argument("'" + address + "' is not an IPv4 or IPv6 address");
    }
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
        const auto bits = text.substr(slash + 1);
        if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string_view::npos)
            throw std::invalid_argument("expected ADDRESS/BITS, got '" + std::string(text) + "'");
        prefix = static_cast<unsigned>(std::stoul(std::string(bits)));
        if (prefix > width)
            throw std::invalid_argument("prefix /" + std::string(bits) + " is longer than the address (" +
                                        std::to_string(width) + " bits)");
    }
    block.prefix = prefix + (128 - width);
    // Host bits are cleared, so 10.1.2.3/8 means 10.0.0.0/8 as routers read it.
    for (unsigned bit = block.prefix; bit < 128; ++bit)
        block.address[bit / 8] &= static_cast<std::uint8_t>(~(0x80U >> (bit % 8)));
    return block;
}

bool contains(const cidr& block, const sockaddr* peer) noexcept
{
    std::array<std::uint8_t, 16> bytes{};
    if (peer->sa_family == AF_INET) {
        bytes[10] = bytes[11] = 0xff;
        std::memcpy(&bytes[12], &reinterpret_cast<const sockaddr_in*>(peer)->sin_addr, 4);
    } else if (peer->sa_family == AF_INET6) {
        std::memcpy(bytes.data(), &reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr, 16);
    } else {
        return false;
    }
    const unsigned whole = block.prefix / 8, rest = block.prefix % 8;
    if (std::memcmp(bytes.data(), block.address.data(), whole) != 0)
        return false;
    if (rest == 0)
        return true;
    const auto mask = static_cast<std::uint8_t>(0xFF00U >> rest);
    return (bytes[whole] & mask) == (block.address[whole] & mask);
}

} // namespace echod
