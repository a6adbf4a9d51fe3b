// The bytes of one probe. Every probe is --size bytes:
//
//   [0, 8)   sequence number, little-endian
//   [8, 16)  send time, CLOCK_MONOTONIC nanoseconds, little-endian
//   [16, 24) a check of the two fields above
//   [24, …)  a pattern derived from the check
//
// The send time travels in the probe, so the reader can time an echo without
// asking the writer; the check lets the reader tell a probe whose header came
// back intact (its sequence number can be trusted, even if later bytes were
// changed) from bytes that are no probe at all.
#pragma once

#include <cstddef>
#include "datagram_socket.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace echo_client::ping {

inline constexpr std::size_t header_size = 24;
inline constexpr std::size_t min_probe_size = header_size;
inline constexpr std::size_t max_probe_size = 65536;
// A probe is one datagram with --udp.
inline constexpr std::size_t max_udp_probe_size = max_datagram_payload;

struct probe_header {
    std::uint64_t sequence = 0;
    std::uint64_t sent_ns = 0;
};

// Fills `out` (min_probe_size..max_probe_size bytes) with the probe.
void write_probe(std::span<char> out, probe_header header) noexcept;

// The header of the probe starting at `in` (at least header_size bytes), or
// nothing when the check does not match: these bytes are not a probe's start.
[[nodiscard]] std::optional<probe_header> read_header(std::span<const char> in) noexcept;

// Offset of the first byte of `in` (a whole probe whose header read_header
// accepted) that differs from what was sent, or nothing when all match.
[[nodiscard]] std::optional<std::size_t> first_difference(std::span<const char> in, probe_header header) noexcept;

} // namespace echo_client::ping
