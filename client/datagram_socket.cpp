#include "datagram_socket.hpp"

#include "echo/socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace echo_client {

echo::unique_fd connect_datagram(const std::vector<echo::socket_address>& addresses)
{
    if (addresses.empty())
        throw echo::connect_error(false, "no address to send to");
    const auto& to = addresses.front();
    echo::unique_fd fd(::socket(to.family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
    if (!fd)
        throw echo::connect_error(false, std::string("UDP socket: ") + std::strerror(errno));
    if (::connect(fd.get(), to.get(), to.length) < 0)
        throw echo::connect_error(false, std::string("UDP connect: ") + std::strerror(errno));
    return fd;
}

} // namespace echo_client
