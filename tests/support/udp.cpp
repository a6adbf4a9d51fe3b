#include "udp.hpp"

#include "process.hpp"

#include "echo/address.hpp"
#include "echo/error.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <cstring>

namespace test {
namespace {

echo::socket_address numeric(const std::string& host, unsigned port)
{
    echo::socket_address a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        a.family = AF_INET;
        a.length = sizeof *v4;
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        a.family = AF_INET6;
        a.length = sizeof *v6;
    } else {
        throw std::invalid_argument("not a numeric address: " + host);
    }
    return a;
}

} // namespace

echo::unique_fd udp_socket(const std::string& host, unsigned port)
{
    const auto a = numeric(host, port);
    echo::unique_fd fd(::socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd)
        echo::throw_errno("socket");
    if (::bind(fd.get(), a.get(), a.length) != 0)
        echo::throw_errno("bind " + echo::to_string(a));
    return fd;
}

unsigned free_udp_port(const std::string& host)
{
    const auto fd = udp_socket(host);
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0)
        echo::throw_errno("getsockname");
    return echo::port_of(reinterpret_cast<const sockaddr*>(&local));
}

void send_datagram(int fd, const std::string& host, unsigned port, std::string_view payload)
{
    const auto a = numeric(host, port);
    ssize_t n;
    do
        n = ::sendto(fd, payload.data(), payload.size(), 0, a.get(), a.length);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        echo::throw_errno("sendto " + echo::to_string(a));
}

std::optional<datagram> receive_datagram(int fd, std::chrono::milliseconds deadline)
{
    pollfd p{fd, POLLIN, 0};
    int r;
    do
        r = ::poll(&p, 1, static_cast<int>(deadline.count()));
    while (r < 0 && errno == EINTR);
    if (r <= 0)
        return std::nullopt;
    std::string buffer(70'000, '\0');
    sockaddr_storage from{};
    socklen_t length = sizeof from;
    const ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from),
                                 &length);
    if (n < 0)
        return std::nullopt;
    buffer.resize(static_cast<std::size_t>(n));
    return datagram{std::move(buffer), echo::to_string(reinterpret_cast<const sockaddr*>(&from), length)};
}

std::optional<datagram> udp_exchange(int fd, const std::string& host, unsigned port, std::string_view payload,
                                     int tries, std::chrono::milliseconds deadline)
{
    for (int i = 0; i < tries; ++i) {
        send_datagram(fd, host, port, payload);
        if (auto d = receive_datagram(fd, deadline))
            return d;
    }
    return std::nullopt;
}

bool udp_echo_ready(const std::string& host, unsigned port, const std::string& source,
                    std::chrono::milliseconds deadline)
{
    const auto fd = udp_socket(!source.empty() ? source : host.find(':') != std::string::npos ? "::1" : "127.0.0.1");
    return eventually([&] { return udp_exchange(fd.get(), host, port, "ready?", 1, 200ms).has_value(); },
                      deadline);
}

} // namespace test
