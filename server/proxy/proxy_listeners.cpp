#include "proxy/proxy_listeners.hpp"

#include "echo/address.hpp"
#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/protocol.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace echod {
namespace {

bool same_address(const sockaddr_storage& bound, const echo::socket_address& named)
{
    if (bound.ss_family != named.family)
        return false;
    if (named.family == AF_INET) {
        const auto& a = reinterpret_cast<const sockaddr_in&>(bound);
        const auto& b = *reinterpret_cast<const sockaddr_in*>(named.get());
        return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
    }
    const auto& a = reinterpret_cast<const sockaddr_in6&>(bound);
    const auto& b = *reinterpret_cast<const sockaddr_in6*>(named.get());
    return a.sin6_port == b.sin6_port && std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0;
}

} // namespace

void mark_proxy_listeners(std::vector<listener>& listeners, const proxy_settings& settings)
{
    for (const auto& value : settings.listeners) {
        bool matched = false;
        for (auto& l : listeners) {
            if (l.datagram)
                continue; // UDP echo has no PROXY protocol
            if (value == "all") {
                l.proxy = matched = true;
                continue;
            }
            sockaddr_storage bound{};
            socklen_t length = sizeof bound;
            if (::getsockname(l.fd.get(), reinterpret_cast<sockaddr*>(&bound), &length) != 0)
                echo::throw_errno("getsockname " + l.name);
            std::vector<echo::socket_address> named;
            try {
                named = echo::resolve(echo::parse_endpoint(value, echo::protocol::default_port),
                                      echo::resolve_for::listening);
            } catch (const std::exception& e) {
                throw echo::fatal_error(echo::exit_status::usage, "--proxy-protocol " + value + ": " + e.what());
            }
            for (const auto& a : named)
                if (same_address(bound, a))
                    l.proxy = matched = true;
        }
        if (!matched)
            throw echo::fatal_error(echo::exit_status::usage,
                                    "--proxy-protocol " + value + " names no TCP listener (listening on " +
                                        describe(listeners) + "); give the address as --listen has it");
    }
}

} // namespace echod
