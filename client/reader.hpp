// The child half of the client: socket to stdout.
#pragma once

#include <atomic>
#include <cstdint>

namespace echo_client {

// Exit statuses of the reader child, read by the parent.
namespace reader_status {
inline constexpr int server_closed = 0; // clean end of file from the server
inline constexpr int socket_error = 1;  // reset or another read error (already reported)
inline constexpr int output_error = 74; // stdout failed, e.g. EPIPE (already reported)
} // namespace reader_status

// Copies `socket` to stdout until end of file, counting bytes into `received`
// (shared with the parent); returns one of reader_status.
[[nodiscard]] int copy_socket_to_stdout(int socket, std::atomic<std::uint64_t>& received) noexcept;

} // namespace echo_client
