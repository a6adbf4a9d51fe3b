#include "echo/socket.hpp"

#include "echo/error.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

namespace echo {

unique_fd listen_on(const socket_address& address, int backlog)
{
    const std::string where = to_string(address);
    unique_fd fd(::socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
    if (!fd)
        throw listen_error(errno, "cannot create a socket for " + where + ": " + std::strerror(errno));

    const int on = 1;
    // A restarted server must not wait for TIME_WAIT connections of its predecessor.
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (address.family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address.get());
        const int v6only = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ? 0 : 1;
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (::bind(fd.get(), address.get(), address.length) != 0)
        throw listen_error(errno, "cannot listen on " + where + ": " + std::strerror(errno));
    if (::listen(fd.get(), backlog) != 0)
        throw listen_error(errno, "cannot listen on " + where + ": " + std::strerror(errno));
    return fd;
}

namespace {

// Returns 0 when connected, else the errno (ETIMEDOUT when `timeout` ran out).
int connect_one(const unique_fd& fd, const socket_address& address, std::chrono::milliseconds timeout)
{
    if (::connect(fd.get(), address.get(), address.length) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR)
        return errno;

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int wait_ms = -1;
        if (timeout.count() > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return ETIMEDOUT;
            wait_ms = static_cast<int>(left.count());
        }
        pollfd p{fd.get(), POLLOUT, 0};
        const int ready = ::poll(&p, 1, wait_ms);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return errno;
        if (ready == 0)
            continue; // the deadline check above decides
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            return errno;
        return err;
    }
}

} // namespace

unique_fd connect_to_any(const std::vector<socket_address>& addresses, std::chrono::milliseconds timeout)
{
    std::string failures;
    bool any_timeout = false;
    bool any_other = false;
    for (const auto& address : addresses) {
        unique_fd fd(::socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
        int err = fd ? connect_one(fd, address, timeout) : errno;
        if (err == 0) {
            const int flags = ::fcntl(fd.get(), F_GETFL);
            ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
            return fd;
        }
        (err == ETIMEDOUT ? any_timeout : any_other) = true;
        if (!failures.empty())
            failures += "; ";
        failures += to_string(address) + ": " +
                    (err == ETIMEDOUT && timeout.count() > 0 ? std::string("timed out") : std::strerror(err));
    }
    throw connect_error(any_timeout && !any_other, failures);
}

void set_no_delay(int fd) noexcept
{
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

namespace {

template <typename Get>
std::string address_via(int fd, Get get)
{
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (get(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return std::string("unknown (") + std::strerror(errno) + ")";
    return to_string(reinterpret_cast<sockaddr*>(&ss), len);
}

} // namespace

std::string local_address_of(int fd) { return address_via(fd, ::getsockname); }
std::string peer_address_of(int fd) { return address_via(fd, ::getpeername); }

unsigned local_port_of(int fd)
{
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return 0;
    return port_of(reinterpret_cast<sockaddr*>(&ss));
}

} // namespace echo
