#include "echo/proxy_header.hpp"

#include <stdexcept>

namespace echo::proxy {

header relayed(int version, const socket_address& source, const socket_address& destination)
{
    if (version != 1 && version != 2)
        throw std::invalid_argument("PROXY protocol version must be 1 or 2");
    if (source.family != destination.family || (source.family != AF_INET && source.family != AF_INET6))
        throw std::invalid_argument("PROXY header addresses must be both IPv4 or both IPv6");
    header h;
    h.version = version;
    h.command = command::proxy;
    h.family = source.family == AF_INET ? family::tcp4 : family::tcp6;
    h.source = source;
    h.destination = destination;
    return h;
}

} // namespace echo::proxy
