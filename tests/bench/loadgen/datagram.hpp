// The datagrams of the UDP modes: a connected socket per client, and payloads
// that say which socket and which sequence number they belong to, so every
// echo can be matched to what was sent and checked byte for byte.
#pragma once

#include "connection.hpp"
#include "pattern.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace bench {

// Sequence number (8 bytes) and socket index (4 bytes), then pattern bytes.
inline constexpr std::size_t datagram_header = 12;
inline constexpr std::size_t min_datagram = 16;
// The largest UDP payload over IPv4.
inline constexpr std::size_t max_datagram = 65507;

// A non-blocking UDP socket bound to `source` (any port; none given: the
// kernel's choice) and connected to `target`, so the kernel drops datagrams
// from anyone but the server.
[[nodiscard]] echo::unique_fd open_datagram_socket(const sock_address& target, const sock_address* source);

// Writes datagram `seq` of socket `socket_index` into `out` (its whole size).
void fill_datagram(std::span<char> out, std::uint32_t socket_index, std::uint64_t seq, const pattern& bytes);

// The sequence number of `data` if it is, byte for byte, a datagram of
// `size` bytes that socket `socket_index` sends; nothing otherwise.
[[nodiscard]] std::optional<std::uint64_t> read_datagram(std::span<const char> data, std::size_t size,
                                                         std::uint32_t socket_index, const pattern& bytes);

} // namespace bench
