#include "session.hpp"

#include "echo_loop.hpp"

#include "echo/child_path.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"
#include "echo/signals.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

namespace echod {
namespace {

// Set by the SIGTERM/SIGINT handler; the only state a handler touches.
volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int) { stop_requested = 1; }

std::string why_read_ended(int err)
{
    switch (err) {
    case 0: return "client closed";
    case ECONNRESET: return "reset by client";
    case EAGAIN: return "idle timeout: client sent nothing";
    case ETIMEDOUT: return "connection timed out";
    case EINTR: return "server shutting down";
    default: return std::string("read error: ") + std::strerror(err);
    }
}

std::string why_write_ended(int err)
{
    switch (err) {
    case EPIPE:
    case ECONNRESET: return "client went away while data was sent back";
    case EAGAIN: return "idle timeout: client stopped reading";
    case EINTR: return "server shutting down";
    default: return std::string("write error: ") + std::strerror(err);
    }
}

std::string concat_seconds(std::chrono::seconds s)
{
    return " for " + std::to_string(s.count()) + " s";
}

} // namespace

ECHO_CHILD_PATH bool session_stop_requested() noexcept { return stop_requested != 0; }

void install_session_signal_actions() noexcept
{
    echo::interrupt_on(SIGTERM, request_stop);
    echo::interrupt_on(SIGINT, request_stop);
    echo::default_action(SIGHUP);
}

ECHO_CHILD_PATH int serve_connection(int fd, const peer_address& peer, const session_options& options)
{
    // TCP_NODELAY and the idle timeout (SO_RCVTIMEO/SO_SNDTIMEO: a read, or
    // a write the client does not drain, that waits that long fails with
    // EAGAIN) come with the socket from its listener.
    if (!echo::logging::enabled(echo::log_level::info)) {
        (void)echo_until_done(fd, &stop_requested);
        return 0;
    }
    const auto started = std::chrono::steady_clock::now();

    const auto outcome = echo_until_done(fd, &stop_requested);
    std::string ended = outcome.while_sending ? why_write_ended(outcome.error) : why_read_ended(outcome.error);
    if (ended.rfind("idle timeout", 0) == 0)
        ended += concat_seconds(options.idle_timeout);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    echo::log(echo::log_level::info, "connection from ", peer.to_string(), " ended: ", ended, "; ", outcome.echoed,
              " bytes echoed in ", took.count(), " s");
    return 0;
}

} // namespace echod
