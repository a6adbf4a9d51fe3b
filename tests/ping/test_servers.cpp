#include "test_servers.hpp"

#include "net.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <stdexcept>

namespace pingtest {

test_server::test_server(behaviour b) : behaviour_(std::move(b))
{
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (!listener_ || ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_.get(), 8) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("test_server: cannot listen");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
}

test_server::~test_server()
{
    stop_ = true;
    thread_.join();
}

void test_server::serve()
{
    // Waits up to 50 ms at a time, so the destructor is never kept waiting.
    auto ready = [this](int fd) {
        pollfd p{fd, POLLIN, 0};
        while (!stop_)
            if (::poll(&p, 1, 50) > 0)
                return true;
        return false;
    };
    if (!ready(listener_.get()))
        return;
    const echo::unique_fd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client)
        return;
    const int one = 1;
    ::setsockopt(client.get(), IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
    std::chrono::steady_clock::time_point first_byte{};
    bool stalled = false;
    std::string probe;
    char buffer[4096];
    for (std::uint64_t index = 0; !stop_;) {
        if (behaviour_.stall_for.count() > 0 && !stalled && first_byte != std::chrono::steady_clock::time_point{} &&
            std::chrono::steady_clock::now() >= first_byte + behaviour_.stall_after) {
            stalled = true;
            std::this_thread::sleep_for(behaviour_.stall_for);
        }
        if (!ready(client.get()))
            return;
        const auto want = std::min(sizeof buffer, behaviour_.probe_size - probe.size());
        const ssize_t n = ::recv(client.get(), buffer, want, 0);
        if (n <= 0)
            return;
        if (first_byte == std::chrono::steady_clock::time_point{})
            first_byte = std::chrono::steady_clock::now();
        probe.append(buffer, static_cast<std::size_t>(n));
        if (probe.size() < behaviour_.probe_size)
            continue;
        const std::string answer = behaviour_.answer ? behaviour_.answer(index, probe) : probe;
        probe.clear();
        try {
            test::send_all(client.get(), answer);
        } catch (const std::exception&) {
            return;
        }
        if (++index == behaviour_.close_after)
            return;
    }
}

} // namespace pingtest
