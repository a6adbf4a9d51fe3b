// The child half of the client: socket to stdout.
#pragma once

#include "ledger.hpp"

namespace echo_client {

// Exit statuses of the reader child, read by the parent.
namespace reader_status {
inline constexpr int server_closed = 0; // clean end of file from the server
inline constexpr int socket_error = 1;  // reset or another read error (errno in ledger::read_error)
inline constexpr int more_than_sent = 2; // the server sent back more than it was sent (counts in the ledger)
inline constexpr int output_error = 74; // stdout failed, e.g. EPIPE (already reported)
} // namespace reader_status

// Copies `socket` to stdout until end of file, keeping the books in `shared`
// (bytes received, their digests, when it waits on the server); returns one
// of reader_status. Stops at once when more comes back than was sent.
[[nodiscard]] int copy_socket_to_stdout(int socket, ledger& shared);

} // namespace echo_client
