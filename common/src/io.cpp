#include "echo/io.hpp"


#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace echo {


unsigned reopen_closed_stdio() noexcept
{
    unsigned closed = 0;
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        closed |= 1U << fd;
        // open() returns the lowest free descriptor: this one.
        const int null = ::open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
        if (null >= 0 && null != fd) {
            ::dup2(null, fd);
            ::close(null);
        }
    }
    return closed;
}

io_result read_some(int fd, std::span<char> buffer, stop_flag stop) noexcept
{
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n >= 0)
            return {static_cast<std::size_t>(n), 0};
        if (!detail::retry(errno, stop))
            return {0, errno};
    }
}


io_result write_all(int fd, std::string_view data, stop_flag stop) noexcept
{
    return detail::put_all(data, stop, [fd](const char* p, std::size_t n) { return ::write(fd, p, n); });
}

io_result send_all(int fd, std::string_view data, stop_flag stop) noexcept
{
    return detail::put_all(data, stop, [fd](const char* p, std::size_t n) { return ::send(fd, p, n, MSG_NOSIGNAL); });
}

} // namespace echo
