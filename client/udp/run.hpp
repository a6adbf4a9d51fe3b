// echo-client --udp: the stream mode's split design over a connected UDP
// socket (see echo-client(1)).
#pragma once

#include "echo/address.hpp"

#include <chrono>
#include <vector>

namespace echo_client::udp {

namespace udp_status {
// Some datagrams did not come back within --timeout: the meaning status 2
// has in the ping mode (probes lost).
inline constexpr int lost = 2;
} // namespace udp_status

// Sends standard input to the first of `addresses` as datagrams, one a line
// (each read with `raw`), prints the echoes and waits up to `timeout` for
// each. Returns the exit status: 0 when every datagram came back intact,
// udp_status::lost when some did not, 76 when one came back changed.
[[nodiscard]] int run(const std::vector<echo::socket_address>& addresses, bool raw,
                      std::chrono::nanoseconds timeout);

} // namespace echo_client::udp
