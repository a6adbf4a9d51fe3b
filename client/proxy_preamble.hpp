// echo-client --proxy (issue 26): the PROXY protocol header (HAProxy's
// specification, version 1 or 2) that opens each TCP connection, so that a
// user can test echod --proxy-protocol or a balancer's PROXY listener by
// hand. The header names the connection's own addresses (getsockname,
// getpeername) unless --proxy-source overrides the source. The server does
// not echo it, so it is sent here, outside the stream the client digests and
// compares: the echo comparison counts data only.
#pragma once

#include "echo/address.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace echo_client {

enum class proxy_version { none, v1, v2 };

struct proxy_settings {
    proxy_version version = proxy_version::none; // --proxy v1|v2
    std::optional<echo::socket_address> source;  // --proxy-source; unset: the socket's own address
    [[nodiscard]] bool enabled() const noexcept { return version != proxy_version::none; }
};

// "v1" or "v2"; throws echo::fatal_error (usage) otherwise.
[[nodiscard]] proxy_version parse_proxy_version(std::string_view text);

// A numeric "IPV4:PORT" or "[IPV6]:PORT" (the port from 0 to 65535, as the
// header's fields allow); throws echo::fatal_error (usage) otherwise.
[[nodiscard]] echo::socket_address parse_proxy_source(std::string_view text);

// A header names its source and destination in one family (TCP4 or TCP6),
// so with --proxy-source only HOST's addresses of the source's family are
// tried. Throws echo::fatal_error (usage) when HOST has none. Without
// --proxy-source, `addresses` unchanged.
[[nodiscard]] std::vector<echo::socket_address> addresses_for_proxy(const proxy_settings& proxy,
                                                                    std::vector<echo::socket_address> addresses,
                                                                    const std::string& host);

// The header for the connected TCP socket `fd`: its local address (or the
// --proxy-source one) as the source, its peer as the destination. Throws
// std::system_error when getsockname or getpeername fails.
[[nodiscard]] std::string proxy_header_for(int fd, const proxy_settings& proxy);

// Writes that header, all of it, on the blocking socket `fd` before any
// data; nothing when --proxy is not given. Throws std::system_error with
// the server's address when the write fails.
void send_proxy_header(int fd, const proxy_settings& proxy);

} // namespace echo_client
