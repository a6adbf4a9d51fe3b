#include "net.hpp"

#include "echo/address.hpp"
#include "echo/io.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <random>
#include <stdexcept>

namespace test {

unsigned free_tcp_port()
{
    const echo::unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error(std::string("cannot find a free TCP port: ") + std::strerror(errno));
    return ntohs(a.sin_port);
}

echo::unique_fd connect_tcp(const std::string& host, unsigned port, const std::string& source)
{
    const auto addresses = echo::resolve({host, std::to_string(port)}, echo::resolve_for::connecting);
    const auto& a = addresses.front();
    echo::unique_fd fd(::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    if (!source.empty()) {
        const auto src = echo::resolve({source, "0"}, echo::resolve_for::connecting).front();
        if (::bind(fd.get(), src.get(), src.length) != 0)
            throw std::runtime_error("bind " + source + ": " + std::strerror(errno));
    }
    if (::connect(fd.get(), a.get(), a.length) != 0)
        throw std::runtime_error("connect " + echo::to_string(a) + ": " + std::strerror(errno));
    return fd;
}

void send_all(int fd, std::string_view data)
{
    const auto r = echo::send_all(fd, data);
    if (!r.ok())
        throw std::runtime_error(std::string("send: ") + std::strerror(r.error));
}

namespace {

// Waits for readability; false at the deadline.
bool wait_readable(int fd, std::chrono::steady_clock::time_point end)
{
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
}

} // namespace

std::string read_exactly(int fd, std::size_t n, std::chrono::milliseconds deadline)
{
    const auto end = std::chrono::steady_clock::now() + deadline;
    std::string out;
    out.reserve(n);
    char buf[65536];
    while (out.size() < n) {
        if (!wait_readable(fd, end))
            throw std::runtime_error("timed out after " + std::to_string(out.size()) + " of " + std::to_string(n) +
                                     " bytes");
        const auto r = echo::read_some(fd, {buf, std::min(sizeof buf, n - out.size())});
        if (!r.ok())
            throw std::runtime_error(std::string("read: ") + std::strerror(r.error));
        if (r.bytes == 0)
            throw std::runtime_error("peer closed after " + std::to_string(out.size()) + " of " + std::to_string(n) +
                                     " bytes");
        out.append(buf, r.bytes);
    }
    return out;
}

std::string read_to_eof(int fd, std::chrono::milliseconds deadline)
{
    const auto end = std::chrono::steady_clock::now() + deadline;
    std::string out;
    char buf[65536];
    for (;;) {
        if (!wait_readable(fd, end))
            throw std::runtime_error("timed out waiting for end of file after " + std::to_string(out.size()) + " bytes");
        const auto r = echo::read_some(fd, buf);
        if (!r.ok())
            throw std::runtime_error(std::string("read: ") + std::strerror(r.error));
        if (r.bytes == 0)
            return out;
        out.append(buf, r.bytes);
    }
}

bool readable(int fd, std::chrono::milliseconds deadline)
{
    return wait_readable(fd, std::chrono::steady_clock::now() + deadline);
}

bool peer_closes(int fd, std::chrono::milliseconds deadline)
{
    const auto end = std::chrono::steady_clock::now() + deadline;
    char buf[4096];
    for (;;) {
        if (!wait_readable(fd, end))
            return false;
        const auto r = echo::read_some(fd, buf);
        if (!r.ok() || r.bytes == 0)
            return true;
    }
}

void set_linger_reset(int fd)
{
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

std::string random_bytes(std::size_t n, unsigned seed)
{
    std::mt19937_64 gen(seed);
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; i += 8) {
        const auto v = gen();
        std::memcpy(out.data() + i, &v, std::min<std::size_t>(8, n - i));
    }
    return out;
}

bool ipv6_loopback_available()
{
    echo::unique_fd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return false;
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

} // namespace test
