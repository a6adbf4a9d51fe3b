#include "limits/source_key.hpp"

#include <netinet/in.h>

#include <cstring>

namespace echod {

source_key source_of(const sockaddr* peer)
{
    source_key key;
    if (peer->sa_family == AF_INET) {
        // Stored as ::ffff:a.b.c.d so both ways of arriving count together.
        key.bytes[10] = key.bytes[11] = 0xff;
        std::memcpy(&key.bytes[12], &reinterpret_cast<const sockaddr_in*>(peer)->sin_addr, 4);
    } else if (peer->sa_family == AF_INET6) {
        const auto& addr = reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr;
        std::memcpy(key.bytes.data(), &addr, 16);
        if (!IN6_IS_ADDR_V4MAPPED(&addr))
            std::memset(&key.bytes[8], 0, 8); // the /64
    }
    return key;
}

std::size_t source_key_hash::operator()(const source_key& k) const noexcept
{
    // FNV-1a over the 16 bytes.
    std::uint64_t h = 1469598103934665603ULL;
    for (auto b : k.bytes)
        h = (h ^ b) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
}

} // namespace echod
