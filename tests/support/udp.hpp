// UDP sockets for the tests of echod's UDP echo: numeric addresses only,
// loopback or a namespace the test made.
#pragma once

#include "echo/unique_fd.hpp"

#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <string>

namespace test {

using namespace std::chrono_literals;

// A UDP socket of the family of `host` ("127.0.0.2", "::1"), bound to
// host:port (port 0: any). Throws std::system_error.
[[nodiscard]] echo::unique_fd udp_socket(const std::string& host, unsigned port = 0);

// A UDP port on `host` that was free a moment ago.
[[nodiscard]] unsigned free_udp_port(const std::string& host = "127.0.0.1");

void send_datagram(int fd, const std::string& host, unsigned port, std::string_view payload);

struct datagram {
    std::string payload;
    std::string from; // "127.0.0.2:7", "[::1]:7"
};
// The next datagram within `deadline`, if any.
[[nodiscard]] std::optional<datagram> receive_datagram(int fd, std::chrono::milliseconds deadline = 2s);

// Sends `payload` and waits for a datagram back, trying `tries` times (UDP
// may lose one): the echo, or nothing.
[[nodiscard]] std::optional<datagram> udp_exchange(int fd, const std::string& host, unsigned port,
                                                   std::string_view payload, int tries = 1,
                                                   std::chrono::milliseconds deadline = 2s);

// Waits until echod's UDP child echoes on host:port (it starts just after
// the TCP listeners); false if it never does within `deadline`.
// `source`: the address to send from ("": the loopback address of the family).
[[nodiscard]] bool udp_echo_ready(const std::string& host, unsigned port, const std::string& source = "",
                                  std::chrono::milliseconds deadline = 15s);

} // namespace test
