// The client's two halves (Stevens' strclifork): after connecting it forks; the
// child copies the socket to stdout until the server closes, the parent copies
// stdin to the socket until the quit line or end of input, then half-closes
// the socket (shutdown SHUT_WR) and waits for the child to print the rest.
#pragma once

#include "echo/unique_fd.hpp"

#include <string>

namespace echo_client {

// Runs both halves on the connected `socket`; returns the exit status (see
// echo-client(1)): 0 only when every byte sent came back and the server closed
// after our shutdown.
[[nodiscard]] int run_split_io(echo::unique_fd socket, const std::string& server);

} // namespace echo_client
