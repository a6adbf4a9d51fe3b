#include "loopback.hpp"

#include "net.hpp"

#include "echo/io.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

namespace stress {

echo::unique_fd connect_from(const std::string& source, unsigned port)
{
    echo::unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    // Leave the port to connect(), which may reuse one whose TIME_WAIT is
    // towards another peer; bind() alone would reserve ports for good.
    const int on = 1;
    ::setsockopt(fd.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1)
        throw std::invalid_argument("not an IPv4 address: " + source);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0)
        throw std::runtime_error("bind " + source + ": " + std::strerror(errno));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
        throw std::runtime_error("connect from " + source + ": " + std::strerror(errno));
    return fd;
}

bool echoes(int fd, std::string_view payload, std::chrono::milliseconds deadline)
{
    test::send_all(fd, payload);
    return test::read_exactly(fd, payload.size(), deadline) == payload;
}

std::string read_while_writing(int fd, std::size_t expected, const std::function<void(int)>& writer,
                               std::chrono::milliseconds deadline)
{
    std::exception_ptr write_failure;
    std::thread t([&] {
        try {
            writer(fd);
        } catch (...) {
            write_failure = std::current_exception();
        }
    });
    std::string got;
    std::exception_ptr read_failure;
    try {
        got = test::read_exactly(fd, expected, deadline);
    } catch (...) {
        read_failure = std::current_exception();
        ::shutdown(fd, SHUT_RDWR); // unblocks the writer
    }
    t.join();
    if (read_failure)
        std::rethrow_exception(read_failure);
    if (write_failure)
        std::rethrow_exception(write_failure);
    return got;
}

rlim_t raise_nofile_limit(rlim_t wanted)
{
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur < wanted) {
        r.rlim_cur = std::min(wanted, r.rlim_max);
        if (::setrlimit(RLIMIT_NOFILE, &r) != 0)
            throw std::runtime_error(std::string("setrlimit NOFILE: ") + std::strerror(errno));
    }
    return r.rlim_cur;
}

void set_limit_of(pid_t pid, int resource, rlim_t soft, rlim_t hard)
{
    const rlimit r{soft, hard};
    if (::prlimit(pid, static_cast<__rlimit_resource>(resource), &r, nullptr) != 0)
        throw std::runtime_error("prlimit on pid " + std::to_string(pid) + ": " + std::strerror(errno));
}

rlimit limit_of(pid_t pid, int resource)
{
    rlimit r{};
    if (::prlimit(pid, static_cast<__rlimit_resource>(resource), nullptr, &r) != 0)
        throw std::runtime_error("prlimit on pid " + std::to_string(pid) + ": " + std::strerror(errno));
    return r;
}

} // namespace stress
