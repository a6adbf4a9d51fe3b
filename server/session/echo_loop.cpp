#include "session/echo_loop.hpp"


#include <sys/socket.h>
#include <time.h>

#include <cerrno>

namespace echod {
namespace {

using std::chrono::nanoseconds;

// As large as coreutils' cat reads. In .bss: the parent never touches it, so
// fork() copies nothing for it and each child faults in only the pages its
// reads fill (one for a short exchange, all of it for a stream).
//
// splice() through a pipe was tried for streams and measured slower on one
// connection streaming both ways (echo-bench bulk, same session: splice with
// a 256 KiB pipe 880-910 MB/s; read/write with 128 KiB 1,100-1,220 MB/s), so
// a plain copy it is.
struct alignas(4096) child_memory {
    session_signal_state signal_state; // see echo_loop.hpp
    char buffer[128 * 1024];
};
child_memory memory;
auto& buffer = memory.buffer;

// The kernel counts socket timeouts in jiffies: a wait of N jiffies that
// starts between two ticks may end up to one tick (10 ms at HZ=100) early.
constexpr nanoseconds tick_slack = std::chrono::milliseconds(20);

// The coarse clock is read from the vDSO without touching the TSC: a few
// nanoseconds per read, and a resolution of one tick is plenty for timeouts
// counted in seconds.
nanoseconds coarse_now() noexcept
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return std::chrono::seconds(ts.tv_sec) + nanoseconds(ts.tv_nsec);
}

} // namespace

session_signal_state& session_signal_state_page() noexcept { return memory.signal_state; }

echo_outcome echo_until_done(int fd, session_signal_state& state,
                                             std::chrono::seconds idle_timeout) noexcept
{
    echo_outcome out;
    echo::stop_flag stop = &state.stop_requested;
    nanoseconds progress = coarse_now(); // when the client last sent us something
    std::sig_atomic_t retimed_seen = state.retimed;
    // A reload set another timeout on the socket: the deadline runs anew.
    const auto look_at_reload = [&]() noexcept {
        if (state.retimed == retimed_seen)
            return;
        retimed_seen = state.retimed;
        idle_timeout = std::chrono::seconds(state.idle_timeout_seconds);
        progress = coarse_now();
    };
    const auto give_up = [&](session_end how, int error, bool sending) noexcept {
        // The stop handler shuts the socket down, so what ends the call then
        // is an end of file or EPIPE: the flag says what it really was.
        if (*stop)
            how = session_end::shutdown;
        out.how = how;
        out.error = how == session_end::failed ? error : 0;
        out.while_sending = sending && how != session_end::shutdown;
        if (how == session_end::idle_timeout)
            out.idle = coarse_now() - progress;
        return out;
    };
    // How a failed call ended the session.
    const auto ended_by = [](int error) noexcept {
        switch (error) {
        case EAGAIN: return session_end::idle_timeout; // SO_RCVTIMEO / SO_SNDTIMEO expired
        case ECONNRESET:
        case EPIPE: return session_end::reset;
        default: return session_end::failed;
        }
    };
    for (;;) {
        if (*stop)
            return give_up(session_end::shutdown, 0, false);
        // SO_RCVTIMEO: EAGAIN after idle_timeout without a byte (a reload
        // interrupts the read, which starts again with the new timeout).
        const auto in = echo::read_some(fd, buffer, stop);
        if (!in.ok())
            return give_up(in.error == EINTR ? session_end::shutdown : ended_by(in.error), in.error, false);
        if (in.bytes == 0)
            return give_up(session_end::client_closed, 0, false);
        out.received += in.bytes;
        progress = coarse_now();

        // One write per read: the client sees its data back at once. A
        // blocking send() returns short only when SO_SNDTIMEO expired in it
        // (having moved a little: the client's receive buffer grew) or a
        // signal came. Sending the rest with a fresh timeout, as if that
        // were progress, kept a client that never reads for two or three
        // times the timeout; the deadline runs from the read instead.
        std::size_t done = 0;
        while (done < in.bytes) {
            const ssize_t n = ::send(fd, buffer + done, in.bytes - done, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR && !*stop)
                    continue;
                return give_up(errno == EINTR ? session_end::shutdown : ended_by(errno), errno, true);
            }
            done += static_cast<std::size_t>(n);
            out.sent += static_cast<std::size_t>(n);
            if (done < in.bytes) {
                if (*stop)
                    return give_up(session_end::shutdown, 0, true);
                look_at_reload();
                if (idle_timeout.count() > 0 && coarse_now() - progress >= idle_timeout - tick_slack)
                    return give_up(session_end::idle_timeout, 0, true);
                // Interrupted early (a reload, a stop signal to a debugged process): go on.
            }
        }
    }
}

} // namespace echod
