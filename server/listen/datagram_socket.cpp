#include "listen/datagram_socket.hpp"

#include "echo/error.hpp"
#include "echo/socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace echod {

echo::unique_fd bind_datagram_socket(const echo::socket_address& address)
{
    const std::string where = echo::to_string(address);
    echo::unique_fd fd(::socket(address.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
    if (!fd)
        throw echo::listen_error(errno, "cannot create a UDP socket for " + where + ": " + std::strerror(errno));
    if (address.family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address.get());
        const int v6only = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ? 0 : 1;
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (::bind(fd.get(), address.get(), address.length) != 0)
        throw echo::listen_error(errno, "cannot listen on UDP " + where + ": " + std::strerror(errno));
    return fd;
}

void receive_destination_addresses(int fd)
{
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0)
        echo::throw_errno("getsockname of a UDP socket");
    const int on = 1;
    if (local.ss_family == AF_INET6) {
        if (::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) != 0)
            echo::throw_errno("setsockopt IPV6_RECVPKTINFO");
    } else if (::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) != 0) {
        echo::throw_errno("setsockopt IP_PKTINFO");
    }
}

} // namespace echod
