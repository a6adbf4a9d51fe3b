#include "udp_test_server.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <stdexcept>
#include <vector>

namespace loadtest {

udp_test_server::udp_test_server(behaviour b) : behaviour_(std::move(b))
{
    socket_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (!socket_ || ::bind(socket_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(socket_.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("udp_test_server: cannot bind");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
}

udp_test_server::~udp_test_server()
{
    stop_ = true;
    thread_.join();
}

void udp_test_server::serve()
{
    std::vector<char> buffer(65536);
    pollfd p{socket_.get(), POLLIN, 0};
    for (std::uint64_t index = 0; !stop_;) {
        // Up to 50 ms at a time, so the destructor is never kept waiting.
        if (::poll(&p, 1, 50) <= 0)
            continue;
        sockaddr_storage peer{};
        socklen_t peer_length = sizeof peer;
        const ssize_t n = ::recvfrom(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr*>(&peer), &peer_length);
        if (n < 0)
            continue; // EAGAIN, EINTR, or an ICMP error left by an earlier reply
        const auto answers = behaviour_(index++, std::string(buffer.data(), static_cast<std::size_t>(n)));
        if (answers.empty())
            ++dropped_;
        for (const auto& answer : answers)
            (void)::sendto(socket_.get(), answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&peer),
                           peer_length);
    }
}

} // namespace loadtest
