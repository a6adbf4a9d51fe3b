// Reads and writes that survive signals (EINTR) and short writes. They report
// errors as errno values instead of throwing: the echo loops treat a reset
// peer as an ordinary way for a connection to end.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <span>
#include <string_view>

namespace echo {

// Outcome of one I/O call: bytes moved, or the errno that stopped it.
struct io_result {
    std::size_t bytes = 0;
    int error = 0; // 0: success (bytes == 0 on a read means end of file)
    [[nodiscard]] bool ok() const noexcept { return error == 0; }
};

// A flag a signal handler sets to ask a blocked call to give up: when EINTR
// arrives and *stop is set, the call returns error EINTR instead of retrying.
using stop_flag = const volatile std::sig_atomic_t*;

namespace detail {

[[nodiscard]] inline bool retry(int err, stop_flag stop) noexcept
{
    return err == EINTR && !(stop && *stop);
}

// Calls `put(pointer, length)` (write(2) or send(2)) until all of `data` is
// out, an error other than EINTR comes, or `stop` is set. A call that moves
// nothing and reports no error would be called again forever: it ends the
// loop as EIO, since the descriptor will not take the data.
template <typename Put>
[[nodiscard]] io_result put_all(std::string_view data, stop_flag stop, Put put) noexcept
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = put(data.data() + done, data.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            // A signal that interrupts a write which already moved data
            // yields a short count, not EINTR: look at the flag here too.
            if (stop && *stop && done < data.size())
                return {done, EINTR};
        } else if (n == 0) {
            return {done, EIO};
        } else if (!retry(errno, stop)) {
            return {done, errno};
        }
    }
    return {done, 0};
}

} // namespace detail

// One read(2), retried on EINTR.
[[nodiscard]] io_result read_some(int fd, std::span<char> buffer, stop_flag stop = nullptr) noexcept;

// write(2) until every byte is written or an error other than EINTR occurs;
// `bytes` says how much went out either way.
[[nodiscard]] io_result write_all(int fd, std::string_view data, stop_flag stop = nullptr) noexcept;

// send(2) with MSG_NOSIGNAL until all is sent: a vanished peer is an EPIPE
// result, never a SIGPIPE.
[[nodiscard]] io_result send_all(int fd, std::string_view data, stop_flag stop = nullptr) noexcept;

// Opens /dev/null on each of stdin, stdout and stderr that is closed, so no
// socket can be given descriptor 0, 1 or 2 by accident (and then be closed
// as "stdin" or written to as "stderr"). Returns a bit per descriptor that
// was closed: 1 stdin, 2 stdout, 4 stderr.
unsigned reopen_closed_stdio() noexcept;

} // namespace echo
