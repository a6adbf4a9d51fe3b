#include "session/session.hpp"

#include "logging/connection_log.hpp"
#include "session/echo_loop.hpp"

#include "echo/address.hpp"
#include "echo/child_path.hpp"
#include "echo/log.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>

namespace echod {
namespace {

// The only state the SIGTERM/SIGINT handler touches: see echo_loop.hpp.
session_signal_state& state = session_signal_state_page();

ECHO_CHILD_PATH void say_how_it_ended(echo::stack_line& line, const echo_outcome& o) noexcept
{
    const auto idle_ms = [&] {
        return echo::seconds_text{static_cast<unsigned long long>(o.idle.count() / 1'000'000)};
    };
    switch (o.how) {
    case session_end::client_closed:
        line << "client closed";
        return;
    case session_end::idle_timeout:
        line << (o.while_sending ? "idle timeout: client stopped reading for " : "idle timeout: client sent nothing for ")
             << idle_ms() << " s";
        return;
    case session_end::shutdown:
        line << "server shutting down";
        return;
    case session_end::reset:
        line << (o.while_sending ? "client went away while data was sent back" : "reset by client");
        return;
    case session_end::failed:
        // strerrordesc_np(): untranslated, so no message catalogue is loaded.
        const char* reason = ::strerrordesc_np(o.error);
        line << (o.while_sending ? "send error: " : "read error: ") << (reason ? reason : "unknown error");
        return;
    }
}

ECHO_CHILD_PATH std::chrono::nanoseconds monotonic_now() noexcept
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

} // namespace

ECHO_CHILD_PATH bool session_stop_requested() noexcept { return state.stop_requested != 0; }

// Setting the flag alone would leave a race: a signal that lands after the
// echo loop looked at the flag and before it blocks in read() interrupts
// nothing, and the child would sleep on until the parent's SIGKILL. Shutting
// the socket down (async-signal-safe) makes that read, and any send, return
// at once; the loop then finds the flag set.
void session_stop_handler(int) noexcept
{
    const int saved = errno;
    state.stop_requested = 1;
    if (const int fd = state.serving_fd_plus_one - 1; fd >= 0)
        ::shutdown(fd, SHUT_RDWR);
    errno = saved;
}

void session_retime_handler(int, siginfo_t* info, void*) noexcept
{
    const int saved = errno;
    const int seconds = info->si_value.sival_int;
    if (const int fd = state.serving_fd_plus_one - 1; fd >= 0) {
        timeval tv{};
        tv.tv_sec = seconds;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    state.idle_timeout_seconds = seconds;
    state.retimed = state.retimed + 1;
    errno = saved;
}

ECHO_CHILD_PATH int serve_connection(int fd, const peer_address& peer, const session_settings& settings,
                                     connection_log* log, const relay& via)
{
    // TCP_NODELAY and the idle timeout (SO_RCVTIMEO/SO_SNDTIMEO: a read, or
    // a write the client does not drain, that waits that long fails with
    // EAGAIN) come with the socket from its listener.
    // A prefork worker retimed by a reload while it waited: its connection
    // inherited the new timeout from the listener, and this is its value.
    const auto idle_timeout = state.retimed ? std::chrono::seconds(state.idle_timeout_seconds) : settings.idle_timeout;
    state.serving_fd_plus_one = fd + 1; // from here on a stop request also shuts the socket down
    const bool logging = log && echo::logging::enabled(echo::log_level::info);
    const auto started = logging ? monotonic_now() : std::chrono::nanoseconds{};
    const auto outcome = echo_until_done(fd, state, idle_timeout);
    state.serving_fd_plus_one = 0; // before the caller closes it and the number is reused
    if (!logging)
        return 0;

    if (!log->admit(outcome.how))
        return 0; // counted for the parent's summary instead
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(monotonic_now() - started);
    echo::stack_line line(echo::log_level::info);
    line << "connection from ";
    line.commit(echo::format_address(peer.get(), peer.length(), line.room()));
    switch (via.kind) {
    case relay_kind::direct:
        break;
    case relay_kind::proxied:
        line << " via ";
        line.commit(echo::format_address(via.balancer.get(), via.balancer.length(), line.room()));
        break;
    case relay_kind::local:
        line << " (PROXY LOCAL)";
        break;
    case relay_kind::unknown:
        line << " (PROXY UNKNOWN)";
        break;
    }
    line << " ended: ";
    say_how_it_ended(line, outcome);
    line << "; " << outcome.received << " bytes received, " << outcome.sent << " sent back, "
         << echo::seconds_text{static_cast<unsigned long long>(took.count())} << " s";
    line.write();
    return 0;
}

} // namespace echod
