// A client's source for --max-per-source: an IPv4 address (also when it
// arrives IPv4-mapped on a dual-stack socket) or an IPv6 /64, since one IPv6
// host usually holds a whole /64. Counted in per_source.hpp's table (the
// parent's count of its children, UDP's buckets, the refusal log), and by
// prefork workers themselves in source_table.hpp.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace echod {

struct source_key {
    std::array<std::uint8_t, 16> bytes{};
    friend bool operator==(const source_key&, const source_key&) = default;
};

[[nodiscard]] source_key source_of(const sockaddr* peer);

struct source_key_hash {
    std::size_t operator()(const source_key& k) const noexcept;
};

} // namespace echod
