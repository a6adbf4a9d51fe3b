// The socket of both UDP modes of echo-client (--udp and --ping --udp): one
// connected datagram socket.
#pragma once

#include "echo/address.hpp"
#include "echo/unique_fd.hpp"

#include <cstddef>
#include <vector>

namespace echo_client {

// The largest UDP payload over IPv4 (65535 - 20 - 8), and so the largest
// datagram echo-client sends, over IPv6 too: the same limit for both.
inline constexpr std::size_t max_datagram_payload = 65507;

// A blocking, close-on-exec UDP socket connected to the first of
// `addresses`. connect(2) on UDP sends nothing, so no later address can be
// known to answer better; connected, the socket takes datagrams from that
// address alone and learns of an ICMP "port unreachable" (ECONNREFUSED).
// Throws echo::connect_error (not timed out) when it cannot be made.
[[nodiscard]] echo::unique_fd connect_datagram(const std::vector<echo::socket_address>& addresses);

} // namespace echo_client
