// What identifies a datagram's content for echo-client --udp: its length and
// a 64-bit CRC32C digest. The reader matches each echo to a datagram sent by
// this key, since UDP may lose and reorder them and lines carry no number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace echo_client::udp {

struct datagram_key {
    std::uint64_t digest = 0;
    std::uint64_t bytes = 0;
    friend bool operator==(const datagram_key&, const datagram_key&) = default;
};

[[nodiscard]] datagram_key key_of(std::string_view payload) noexcept;

struct datagram_key_hash {
    [[nodiscard]] std::size_t operator()(const datagram_key& k) const noexcept
    {
        return static_cast<std::size_t>(k.digest ^ (k.bytes * 0x9e3779b97f4a7c15ULL));
    }
};

} // namespace echo_client::udp
