#include "proxy_wire.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdexcept>

namespace ptest {

echo::socket_address address(const std::string& ip, unsigned port)
{
    echo::socket_address a;
    if (auto* sin = reinterpret_cast<sockaddr_in*>(a.get()); ::inet_pton(AF_INET, ip.c_str(), &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(static_cast<std::uint16_t>(port));
        a.family = AF_INET;
        a.length = sizeof(sockaddr_in);
        return a;
    }
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(a.get());
    if (::inet_pton(AF_INET6, ip.c_str(), &sin6->sin6_addr) != 1)
        throw std::invalid_argument("not an IP address: " + ip);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<std::uint16_t>(port));
    a.family = AF_INET6;
    a.length = sizeof(sockaddr_in6);
    return a;
}

std::string header(int version, const std::string& client_ip, unsigned client_port, const std::string& server_ip,
                   unsigned server_port)
{
    return echo::proxy::encode(
        echo::proxy::relayed(version, address(client_ip, client_port), address(server_ip, server_port)));
}

} // namespace ptest
