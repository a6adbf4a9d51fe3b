// The sockets UDP echo is served on: bound from --listen-udp, or passed by
// systemd (ListenDatagram=, see listeners.hpp).
#pragma once

#include "echo/address.hpp"
#include "echo/unique_fd.hpp"

namespace echod {

// A non-blocking, close-on-exec UDP socket bound to `address`; the IPv6
// wildcard is dual-stack, as for TCP. Throws echo::listen_error.
[[nodiscard]] echo::unique_fd bind_datagram_socket(const echo::socket_address& address);

// Asks the kernel to say with each datagram which local address it was sent
// to (IP_PKTINFO, IPV6_RECVPKTINFO, the latter also for IPv4 datagrams on a
// dual-stack socket), so the reply can leave from that address. Throws
// std::system_error.
void receive_destination_addresses(int fd);

} // namespace echod
