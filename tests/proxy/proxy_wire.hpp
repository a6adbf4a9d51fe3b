// What the PROXY tests share: socket addresses from text, and the header a
// balancer at `balancer` would send for `client` (through common/'s encoder).
#pragma once

#include "echo/address.hpp"
#include "echo/proxy_encode.hpp"

#include <string>

namespace ptest {

// "192.0.2.7", 4000 -> an AF_INET or AF_INET6 socket address.
[[nodiscard]] echo::socket_address address(const std::string& ip, unsigned port);

// The PROXY header (version 1 or 2) for a TCP connection from client_ip:client_port to server_ip:server_port.
[[nodiscard]] std::string header(int version, const std::string& client_ip, unsigned client_port,
                                 const std::string& server_ip, unsigned server_port);

} // namespace ptest
