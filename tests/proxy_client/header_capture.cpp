#include "header_capture.hpp"

#include "proxy_parse.hpp"

#include "net.hpp"
#include "process.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

namespace proxytest {
namespace {

using namespace std::chrono_literals;

echo::socket_address name_of(int fd, bool peer)
{
    echo::socket_address a;
    a.length = sizeof a.storage;
    if ((peer ? ::getpeername(fd, a.get(), &a.length) : ::getsockname(fd, a.get(), &a.length)) != 0)
        throw std::runtime_error(std::string(peer ? "getpeername: " : "getsockname: ") + std::strerror(errno));
    a.family = a.storage.ss_family;
    return a;
}

} // namespace

header_capture::header_capture(int family)
{
    listener_.reset(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    echo::socket_address a;
    a.family = family;
    if (family == AF_INET6) {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
        v6->sin6_family = AF_INET6;
        v6->sin6_addr = in6addr_loopback;
        a.length = sizeof *v6;
    } else {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
        v4->sin_family = AF_INET;
        v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.length = sizeof *v4;
    }
    if (!listener_ || ::bind(listener_.get(), a.get(), a.length) != 0 || ::listen(listener_.get(), 64) != 0)
        throw std::runtime_error(std::string("header_capture: cannot listen: ") + std::strerror(errno));
    port_ = echo::port_of(name_of(listener_.get(), false).get());
    thread_ = std::thread([this] { serve(); });
}

header_capture::~header_capture()
{
    stop_ = true;
    thread_.join();
}

std::vector<connection> header_capture::connections() const
{
    const std::lock_guard lock(mutex_);
    return done_;
}

bool header_capture::wait_for(std::size_t n, std::chrono::milliseconds deadline) const
{
    return test::eventually([&] { return connections().size() >= n; }, deadline);
}

void header_capture::serve()
{
    // Waits up to 50 ms at a time, so the destructor is never kept waiting.
    pollfd p{listener_.get(), POLLIN, 0};
    while (!stop_) {
        if (::poll(&p, 1, 50) <= 0)
            continue;
        echo::unique_fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!fd)
            continue;
        connection c;
        c.client = name_of(fd.get(), true);
        c.server = name_of(fd.get(), false);
        serve_one(std::move(fd), std::move(c));
    }
}

void header_capture::serve_one(echo::unique_fd fd, connection c)
{
    std::string received;
    bool header_done = false;
    char buffer[65536];
    pollfd p{fd.get(), POLLIN, 0};
    while (!stop_) {
        if (::poll(&p, 1, 50) <= 0)
            continue;
        const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        received.append(buffer, static_cast<std::size_t>(n));
        if (!header_done) {
            const header_cut cut = cut_header(received);
            if (cut.outcome == header_cut::kind::incomplete)
                continue;
            header_done = true;
            if (cut.outcome == header_cut::kind::refused) {
                c.header = received;
                c.refusal = cut.reason;
                break; // not a header: as a PROXY listener would, close
            }
            c.header = received.substr(0, cut.length);
            received.erase(0, cut.length);
        }
        c.echoed += received.size();
        try {
            test::send_all(fd.get(), received);
        } catch (const std::exception&) {
            break;
        }
        received.clear();
    }
    if (!header_done) {
        c.header = received;
        c.refusal = "the connection ended before a whole header";
    }
    fd.reset();
    const std::lock_guard lock(mutex_);
    done_.push_back(std::move(c));
}

} // namespace proxytest
