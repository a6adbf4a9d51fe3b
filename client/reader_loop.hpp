// The reading child's loop, one for every mode of echo-client (stream,
// --ping, --udp): receive from the socket, hand each chunk to the mode,
// and between receives do the mode's timed work. What a chunk means (bytes
// of a stream to digest, a probe to time, a datagram to match) and when the
// run is over are the mode's: a small policy with these members, each
// returning the reader's exit status when it must end:
//   std::optional<int> step();             timed work (losses, output)
//   reader_wait wait();                    what else to wake for, and when
//   std::optional<int> on_other();         wait().fd became readable
//   std::span<char> receive_into();        the buffer of the next receive
//   std::optional<int> take(received);     one receive's result
//   static constexpr int receive_flags;    MSG_DONTWAIT: drain the socket
//                                          each wake (a datagram each)
// A mode that waits on nothing but the socket (the stream) blocks in recv()
// alone, without a poll per chunk.
#pragma once

#include "monotonic_clock.hpp"

#include "echo/error.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace echo_client {

struct reader_wait {
    int fd = -1; // -1: the socket only
    std::uint64_t timeout_ns = UINT64_MAX; // UINT64_MAX: no timeout
};

// What one recv() returned: `bytes` (0 with error 0 is the end of the
// stream), or the errno of its failure. `bytes` may exceed the buffer with
// MSG_TRUNC.
struct received {
    std::size_t bytes = 0;
    int error = 0;
    [[nodiscard]] bool ok() const noexcept { return error == 0; }
};

template <typename Policy>
[[nodiscard]] int run_reader_loop(int socket, Policy& policy)
{
    constexpr bool drain = (Policy::receive_flags & MSG_DONTWAIT) != 0;
    for (;;) {
        if (const auto end = policy.step())
            return *end;
        const reader_wait w = policy.wait();
        if (w.fd >= 0 || w.timeout_ns != UINT64_MAX) {
            pollfd fds[2] = {{socket, POLLIN, 0}, {w.fd, POLLIN, 0}};
            const timespec ts = to_timespec(w.timeout_ns);
            if (::ppoll(fds, 2, w.timeout_ns == UINT64_MAX ? nullptr : &ts, nullptr) < 0) {
                if (errno == EINTR)
                    continue;
                echo::throw_errno("ppoll");
            }
            if (fds[1].revents)
                if (const auto end = policy.on_other())
                    return *end;
            if (!fds[0].revents)
                continue;
        }
        for (;;) {
            const std::span<char> into = policy.receive_into();
            const ssize_t n = ::recv(socket, into.data(), into.size(), Policy::receive_flags);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && drain && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            const received r = n < 0 ? received{0, errno} : received{static_cast<std::size_t>(n), 0};
            if (const auto end = policy.take(r))
                return *end;
            if (!drain)
                break;
        }
    }
}

} // namespace echo_client
