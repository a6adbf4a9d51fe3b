#include "proxy_preamble.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/proxy_encode.hpp"
#include "echo/proxy_header.hpp"
#include "echo/socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>

namespace echo_client {
namespace {

[[noreturn]] void usage(const std::string& message)
{
    throw echo::fatal_error(echo::exit_status::usage, message);
}

const char* family_name(int family)
{
    return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "neither IPv4 nor IPv6";
}

echo::socket_address local_address(int fd)
{
    echo::socket_address a;
    a.length = sizeof a.storage;
    if (::getsockname(fd, a.get(), &a.length) != 0)
        echo::throw_errno("getsockname, for the PROXY header's source");
    a.family = a.storage.ss_family;
    return a;
}

echo::socket_address peer_address(int fd)
{
    echo::socket_address a;
    a.length = sizeof a.storage;
    if (::getpeername(fd, a.get(), &a.length) != 0)
        echo::throw_errno("getpeername, for the PROXY header's destination");
    a.family = a.storage.ss_family;
    return a;
}

// common/'s wire format, the one echod parses. v2 carries a CRC32C TLV, so
// that a receiver which checks it (echod does) is exercised by hand too.
std::string encode_proxy_header(proxy_version version, const echo::socket_address& source,
                                const echo::socket_address& destination)
{
    const auto header = echo::proxy::relayed(version == proxy_version::v1 ? 1 : 2, source, destination);
    return version == proxy_version::v1 ? echo::proxy::encode_v1(header)
                                        : echo::proxy::encode_v2(header, /*with_crc32c=*/true);
}

// The header for the connection `fd` to `destination`.
std::string header_to(const echo::socket_address& destination, int fd, const proxy_settings& proxy)
{
    const echo::socket_address source = proxy.source ? *proxy.source : local_address(fd);
    // addresses_for_proxy kept the connection in the source's family; this
    // is the check behind it, should a caller skip it.
    if (source.family != destination.family)
        throw echo::fatal_error(echo::exit_status::usage,
                                "--proxy-source " + echo::to_string(source) + " is " + family_name(source.family) +
                                    " but the connection to " + echo::to_string(destination) + " is " +
                                    family_name(destination.family));
    return encode_proxy_header(proxy.version, source, destination);
}

} // namespace

proxy_version parse_proxy_version(std::string_view text)
{
    if (text == "v1")
        return proxy_version::v1;
    if (text == "v2")
        return proxy_version::v2;
    usage("--proxy " + std::string(text) + ": expected v1 (the text header) or v2 (the binary one)");
}

echo::socket_address parse_proxy_source(std::string_view text)
{
    const auto bad = [&](const std::string& why) {
        usage("--proxy-source " + std::string(text) + ": " + why +
              " (expected a numeric IPV4:PORT or [IPV6]:PORT, such as 192.0.2.1:40000 or [2001:db8::1]:40000)");
    };
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos)
            bad("no ]:PORT after the IPv6 address");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            bad("no :PORT");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            bad("an IPv6 address needs brackets");
    }
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number > 65535)
        bad("the port is not a number from 0 to 65535");

    echo::socket_address a;
    const std::string literal(host);
    if (text.starts_with('[')) {
        sockaddr_in6 v6{};
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(static_cast<std::uint16_t>(number));
        if (::inet_pton(AF_INET6, literal.c_str(), &v6.sin6_addr) != 1)
            bad("'" + literal + "' is not a numeric IPv6 address");
        std::copy_n(reinterpret_cast<const char*>(&v6), sizeof v6, reinterpret_cast<char*>(&a.storage));
        a.length = sizeof v6;
        a.family = AF_INET6;
    } else {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = htons(static_cast<std::uint16_t>(number));
        if (::inet_pton(AF_INET, literal.c_str(), &v4.sin_addr) != 1)
            bad("'" + literal + "' is not a numeric IPv4 address");
        std::copy_n(reinterpret_cast<const char*>(&v4), sizeof v4, reinterpret_cast<char*>(&a.storage));
        a.length = sizeof v4;
        a.family = AF_INET;
    }
    return a;
}

std::vector<echo::socket_address> addresses_for_proxy(const proxy_settings& proxy,
                                                      std::vector<echo::socket_address> addresses,
                                                      const std::string& host)
{
    if (!proxy.source)
        return addresses;
    const int family = proxy.source->family;
    std::erase_if(addresses, [family](const echo::socket_address& a) { return a.family != family; });
    if (addresses.empty())
        usage("--proxy-source " + echo::to_string(*proxy.source) + " is " + family_name(family) + " but " + host +
              " has no " + family_name(family) +
              " address: a PROXY header names its source and destination in one family");
    return addresses;
}

std::string proxy_header_for(int fd, const proxy_settings& proxy)
{
    return header_to(peer_address(fd), fd, proxy);
}

void send_proxy_header(int fd, const proxy_settings& proxy)
{
    if (!proxy.enabled())
        return;
    const echo::socket_address server = peer_address(fd);
    const auto r = echo::write_all(fd, header_to(server, fd, proxy));
    if (!r.ok()) // named from the address taken before: after a reset, getpeername fails too
        throw echo::system_error(r.error, "sending the PROXY header to " + echo::to_string(server));
}

} // namespace echo_client
