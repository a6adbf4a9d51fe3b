// Raw loopback sockets for tests that talk to echod directly.
#pragma once

#include "echo/unique_fd.hpp"

#include <chrono>
#include <string>

namespace test {

using namespace std::chrono_literals;

// A blocking TCP connection to HOST:PORT (numeric host); throws on failure.
// `source`, when given, is bound first (e.g. "127.0.0.2").
[[nodiscard]] echo::unique_fd connect_tcp(const std::string& host, unsigned port, const std::string& source = {});

// A TCP port of 127.0.0.1 nothing was bound to a moment ago, for servers
// that cannot report the one they get for port 0 (socat, inetd). For UDP:
// free_udp_port() in udp.hpp.
[[nodiscard]] unsigned free_tcp_port();

void send_all(int fd, std::string_view data);
// Reads exactly n bytes, or throws when the deadline passes or the peer closes first.
[[nodiscard]] std::string read_exactly(int fd, std::size_t n, std::chrono::milliseconds deadline = 10s);
// Reads until end of file (or throws at the deadline).
[[nodiscard]] std::string read_to_eof(int fd, std::chrono::milliseconds deadline = 10s);
// True when something (data, or the end) arrives to read within the deadline.
[[nodiscard]] bool readable(int fd, std::chrono::milliseconds deadline);
// True when the peer has closed (EOF or reset) within the deadline.
[[nodiscard]] bool peer_closes(int fd, std::chrono::milliseconds deadline);
// Makes close() send a reset instead of a FIN.
void set_linger_reset(int fd);

// Random bytes (deterministic for a seed).
[[nodiscard]] std::string random_bytes(std::size_t n, unsigned seed = 1);

// True when a socket can bind ::1 (IPv6 loopback configured).
[[nodiscard]] bool ipv6_loopback_available();

} // namespace test
