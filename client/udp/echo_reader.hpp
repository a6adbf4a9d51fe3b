// The child half of echo-client --udp: echoes to standard output, each
// matched to a datagram the writer sent (datagram_book) and settled, and
// the rest declared lost when --timeout passes.
#pragma once

#include "datagram_book.hpp"

#include <chrono>

namespace echo_client::udp {

// Exit statuses of the reading child, read by the writer.
namespace reader_status {
inline constexpr int all_settled = 0; // input ended and every datagram is echoed or lost
inline constexpr int socket_error = 1; // a receive error (already reported)
inline constexpr int stray = 2;        // an echo of nothing sent (its size is in the book)
inline constexpr int refused = 3;      // ICMP port unreachable: nothing listens there
inline constexpr int output_error = 74; // stdout failed (already reported)
} // namespace reader_status

// Runs until the writer has ended its input (in `book`, with a write to the
// eventfd `wake`) and every datagram is settled; writes to the eventfd
// `room` whenever it settles some, so a writer waiting on its window goes on.
// Throws on a failed poll (fork_reader says why and exits with failure, the
// same status as socket_error).
[[nodiscard]] int run_echo_reader(int socket, int wake, int room, datagram_records& book,
                                  std::chrono::nanoseconds timeout);

} // namespace echo_client::udp
