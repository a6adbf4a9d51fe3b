// The client's two halves (Stevens' strclifork): after connecting it forks; the
// child copies the socket to stdout until the server closes, the parent copies
// stdin to the socket until the quit line or end of input, then half-closes
// the socket (shutdown SHUT_WR) and waits for the child to print the rest.
// Each digests its stream (stream_digest.hpp); the parent compares the two.
#pragma once

#include "options.hpp"

#include "echo/unique_fd.hpp"

#include <string>

namespace echo_client {

// Runs both halves on the connected `socket`; returns the exit status (see
// echo-client(1)): 0 only when the echo is byte for byte what was sent and
// the server closed after our shutdown.
[[nodiscard]] int run_split_io(echo::unique_fd socket, const std::string& server, const options& opts);

} // namespace echo_client
