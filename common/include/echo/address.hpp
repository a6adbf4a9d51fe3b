// Endpoints as users write them ("HOST:PORT", "[V6]:PORT", ":PORT") and as
// the kernel sees them (sockaddr), with resolution through getaddrinfo.
#pragma once

#include <sys/socket.h>

#include <stdexcept>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace echo {

// An endpoint as written: host may be empty (any address), service is a port
// number or a service name such as "echo".
struct endpoint {
    std::string host;
    std::string service;
    friend bool operator==(const endpoint&, const endpoint&) = default;
};

// Input that is not an endpoint; what() says what is wrong with it.
class address_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Parses "HOST:PORT", "[V6ADDR]:PORT", "[V6ADDR]", ":PORT", a bare PORT
// (all digits) or a bare HOST (then default_service is the port). A numeric
// port must be 0..65535; IPv6 literals need brackets when a port follows.
[[nodiscard]] endpoint parse_endpoint(std::string_view text, std::string_view default_service);

// Checks a port or service name as given separately (echo-client HOST PORT).
void check_service(std::string_view service);

// A resolved socket address, ready for socket()/bind()/connect().
struct socket_address {
    int family = AF_UNSPEC;
    sockaddr_storage storage{};
    socklen_t length = 0;

    [[nodiscard]] const sockaddr* get() const noexcept
    {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
    [[nodiscard]] sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
};

enum class resolve_for { listening, connecting };

// Resolves through getaddrinfo. For listening, an empty host means the IPv6
// wildcard "::" (one dual-stack socket). Throws resolve_error when the name
// does not resolve.
[[nodiscard]] std::vector<socket_address> resolve(const endpoint& where, resolve_for purpose);

class resolve_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "127.0.0.1:7", "[::1]:7"; an IPv4-mapped IPv6 address prints as IPv4.
[[nodiscard]] std::string to_string(const sockaddr* address, socklen_t length);
// The same text written into `out` (cut to fit), without allocating: for a
// forked child's log line. Returns the length written.
std::size_t format_address(const sockaddr* address, socklen_t length, std::span<char> out) noexcept;
[[nodiscard]] inline std::string to_string(const socket_address& a) { return to_string(a.get(), a.length); }

// The port of an AF_INET/AF_INET6 address, 0 otherwise.
[[nodiscard]] unsigned port_of(const sockaddr* address);

} // namespace echo
