// The writing parent's loop, one for every mode of echo-client (stream,
// --ping, --udp). The parent waits on its signals and on one descriptor the
// mode names (standard input, room in the socket, the reader's word); it
// hands each signal, the reader's end and each readiness to the mode. What
// to send next and when, and what each event means, are the mode's: a
// small policy with these members, each returning an exit status when the
// run is over:
//   std::optional<int> step();              work that needs no waiting
//   writer_wait wait();                     what to sleep on after step()
//   std::optional<int> on_signal(int);      SIGINT, SIGTERM, ... (not SIGCHLD)
//   int reader_ended(int wait_status);      the reader exited: the verdict
//   std::optional<int> on_ready(short);     revents of wait().fd (0: timed out)
#pragma once

#include "monotonic_clock.hpp"

#include "echo/error.hpp"
#include "echo/signals.hpp"

#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <optional>

namespace echo_client {

inline constexpr std::uint64_t no_timeout = UINT64_MAX;

struct writer_wait {
    int fd = -1; // -1: signals only
    short events = 0;
    std::uint64_t timeout_ns = no_timeout;
};

template <typename Policy>
[[nodiscard]] int run_writer_loop(echo::signal_events& signals, pid_t reader, Policy& policy)
{
    for (;;) {
        if (const auto end = policy.step())
            return *end;
        const writer_wait w = policy.wait();
        pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {w.fd, w.events, 0}};
        const timespec ts = to_timespec(w.timeout_ns);
        if (::ppoll(fds, 2, w.timeout_ns == no_timeout ? nullptr : &ts, nullptr) < 0) {
            if (errno == EINTR)
                continue;
            echo::throw_errno("ppoll");
        }
        if (fds[0].revents) {
            while (const auto info = signals.next()) {
                const int signo = static_cast<int>(info->ssi_signo);
                if (signo != SIGCHLD) {
                    if (const auto end = policy.on_signal(signo))
                        return *end;
                    continue;
                }
                int wait_status = 0;
                if (::waitpid(reader, &wait_status, WNOHANG) == reader)
                    return policy.reader_ended(wait_status);
            }
        }
        if (const auto end = policy.on_ready(fds[1].revents))
            return *end;
    }
}

// What every mode's writer does with its reader at the end.

// Ends the reader (SIGTERM) and returns its wait status.
[[nodiscard]] int end_reader(pid_t reader) noexcept;
// Ends the reader and says which signal interrupted the run; returns 128 + signo.
[[nodiscard]] int interrupted(pid_t reader, int signo);
// True, having said so, when the reader was killed rather than exited.
[[nodiscard]] bool reader_was_killed(int wait_status);

} // namespace echo_client
