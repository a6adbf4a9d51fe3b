#include "echo_loop.hpp"

#include "echo/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace echod {
namespace {

constexpr std::size_t copy_buffer_size = 64 * 1024;
constexpr int splice_pipe_size = 256 * 1024;

// In .bss: the parent never touches it, so fork() copies nothing for it and
// each child faults in only the pages it uses.
alignas(4096) char buffer[copy_buffer_size];

// splice() moves pages socket -> pipe -> socket inside the kernel. Returns
// false (nothing done) if no pipe can be had, so the caller keeps copying.
bool echo_by_splice(int fd, echo::stop_flag stop, echo_outcome& out) noexcept
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return false;
    const echo::unique_fd pipe_read(fds[0]), pipe_write(fds[1]);
    ::fcntl(pipe_write.get(), F_SETPIPE_SZ, splice_pipe_size);

    for (;;) {
        if (*stop) {
            out.error = EINTR;
            return true;
        }
        const ssize_t in = ::splice(fd, nullptr, pipe_write.get(), nullptr, splice_pipe_size, SPLICE_F_MOVE);
        if (in == 0)
            return true;
        if (in < 0) {
            if (errno == EINTR && !*stop)
                continue;
            out.error = errno;
            return true;
        }
        for (auto pending = static_cast<std::size_t>(in); pending > 0;) {
            const ssize_t sent = ::splice(pipe_read.get(), nullptr, fd, nullptr, pending, SPLICE_F_MOVE);
            if (sent > 0) {
                pending -= static_cast<std::size_t>(sent);
                out.echoed += static_cast<std::size_t>(sent);
            } else if (sent < 0 && (errno != EINTR || *stop)) {
                out.error = errno;
                out.while_sending = true;
                return true;
            }
        }
    }
}

} // namespace

echo_outcome echo_until_done(int fd, echo::stop_flag stop) noexcept
{
    echo_outcome out;
    for (;;) {
        if (*stop) {
            out.error = EINTR;
            return out;
        }
        const auto in = echo::read_some(fd, buffer, stop);
        if (!in.ok() || in.bytes == 0) {
            out.error = in.error;
            return out;
        }
        // One write per read: the client sees its data back at once.
        const auto sent = echo::send_all(fd, {buffer, in.bytes}, stop);
        out.echoed += sent.bytes;
        if (!sent.ok()) {
            out.error = sent.error;
            out.while_sending = true;
            return out;
        }
        // A full buffer means a stream, not a conversation: worth a pipe.
        if (in.bytes == sizeof buffer && echo_by_splice(fd, stop, out))
            return out;
    }
}

} // namespace echod
