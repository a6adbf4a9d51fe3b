#include "connection.hpp"

#include "echo/error.hpp"
#include "exit_codes.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace bench {

sock_address target_address(const std::string& host, unsigned port)
{
    sock_address a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        a.length = sizeof *v4;
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        a.length = sizeof *v6;
    } else {
        throw usage_error("not a numeric address: " + host);
    }
    return a;
}

source_addresses::source_addresses(int family, unsigned count, unsigned first)
{
    if (family != AF_INET)
        return;
    for (unsigned i = 0; i < count; ++i) {
        sock_address a;
        auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
        v4->sin_family = AF_INET;
        v4->sin_addr.s_addr = htonl((127u << 24) | (2u + first + i));
        a.length = sizeof *v4;
        addresses_.push_back(a);
    }
}

const sock_address* source_addresses::next() noexcept
{
    if (addresses_.empty())
        return nullptr;
    const sock_address* a = &addresses_[next_];
    next_ = (next_ + 1) % addresses_.size();
    return a;
}

started_connect start_connect(const sock_address& target, const sock_address* source)
{
    started_connect c;
    c.fd.reset(::socket(target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.fd)
        echo::throw_errno("socket");
    const int on = 1;
    ::setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (source != nullptr) {
        // Let connect() pick the port knowing the whole 4-tuple, so ports are
        // shared across destinations instead of reserved at bind().
        ::setsockopt(c.fd.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
        if (::bind(c.fd.get(), source->get(), source->length) < 0)
            echo::throw_errno("bind source address");
    }
    if (::connect(c.fd.get(), target.get(), target.length) == 0) {
        c.connected = true;
    } else if (errno != EINPROGRESS) {
        echo::throw_errno("connect");
    }
    return c;
}

int connect_result(int fd) noexcept
{
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0)
        return errno;
    return error;
}

void raise_descriptor_limit(std::size_t needed)
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) < 0)
        echo::throw_errno("getrlimit RLIMIT_NOFILE");
    if (limit.rlim_max < needed) {
        rlimit wanted{needed, needed};
        if (::setrlimit(RLIMIT_NOFILE, &wanted) == 0)
            return;
    }
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) < 0)
        echo::throw_errno("setrlimit RLIMIT_NOFILE");
    if (limit.rlim_cur < needed)
        throw std::runtime_error("need " + std::to_string(needed) + " descriptors, the limit is " +
                                 std::to_string(limit.rlim_cur) + " (raise ulimit -n)");
}

event_loop::event_loop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)), events_(1024)
{
    if (!epoll_)
        echo::throw_errno("epoll_create1");
}

void event_loop::add(int fd, std::uint32_t events, std::uint64_t tag)
{
    control(EPOLL_CTL_ADD, fd, events, tag, "epoll_ctl add");
}

void event_loop::modify(int fd, std::uint32_t events, std::uint64_t tag)
{
    control(EPOLL_CTL_MOD, fd, events, tag, "epoll_ctl modify");
}

void event_loop::control(int op, int fd, std::uint32_t events, std::uint64_t tag, const char* what)
{
    epoll_event e{};
    e.events = events;
    e.data.u64 = tag;
    if (::epoll_ctl(epoll_.get(), op, fd, &e) < 0)
        echo::throw_errno(what);
}

void event_loop::remove(int fd) noexcept
{
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

std::span<const epoll_event> event_loop::wait(std::chrono::milliseconds timeout)
{
    const int ready = ::epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()),
                                   static_cast<int>(timeout.count()));
    if (ready < 0) {
        if (errno == EINTR)
            return {};
        echo::throw_errno("epoll_wait");
    }
    return {events_.data(), static_cast<std::size_t>(ready)};
}

std::int64_t now_ns() noexcept
{
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

} // namespace bench
