#include "exchange.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace bench {

step exchange::send_some(int fd, const pattern& bytes)
{
    while (sent < size) {
        const std::size_t chunk = std::min(size - sent, pattern::max_slice);
        const ssize_t put = ::send(fd, bytes.bytes(offset + sent), chunk, MSG_NOSIGNAL);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return step::waiting;
            error = errno;
            return step::failed;
        }
        sent += static_cast<std::size_t>(put);
    }
    return received == size ? step::done : step::waiting;
}

step exchange::receive_some(int fd, const pattern& bytes, std::span<char> scratch)
{
    for (;;) {
        // Ask for one byte more than is due, so an excess byte is caught too.
        const std::size_t want = std::min(size - received + 1, scratch.size());
        const ssize_t got = ::recv(fd, scratch.data(), want, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return step::waiting;
            error = errno;
            return step::failed;
        }
        if (got == 0)
            return step::closed;
        const auto n = static_cast<std::size_t>(got);
        if (received + n > sent || !bytes.matches(offset + received, scratch.first(n)))
            return step::corrupted;
        received += n;
        if (received == size)
            return step::done;
    }
}

const char* describe(step s) noexcept
{
    switch (s) {
    case step::waiting: return "waiting";
    case step::done: return "done";
    case step::closed: return "server closed before echoing everything";
    case step::corrupted: return "echo differs from what was sent";
    case step::failed: return "socket error";
    }
    return "?";
}

} // namespace bench
