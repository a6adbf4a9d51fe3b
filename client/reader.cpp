#include "reader.hpp"

#include "echo/io.hpp"
#include "echo/log.hpp"

#include <unistd.h>

#include <cstring>

namespace echo_client {
namespace {

ticks now() noexcept
{
    return std::chrono::steady_clock::now().time_since_epoch().count();
}

} // namespace

int copy_socket_to_stdout(int socket, ledger& shared) noexcept
{
    static char buffer[128 * 1024];
    std::uint64_t received = 0;
    for (;;) {
        shared.reader_waiting_since.store(now(), std::memory_order_relaxed);
        const auto in = echo::read_some(socket, buffer);
        shared.reader_waiting_since.store(reader_busy, std::memory_order_relaxed);
        if (!in.ok()) {
            shared.read_error = in.error; // the parent reports it, with the server and the counts
            shared.echo.finish();
            return reader_status::socket_error;
        }
        if (in.bytes == 0) {
            shared.echo.finish();
            return reader_status::server_closed;
        }
        // The parent counts bytes before it sends them, so more than it has
        // counted is certain proof that the server made bytes up; loaded
        // right after the read, the count is as small as it can be.
        const std::uint64_t queued = shared.queued.load(std::memory_order_acquire);
        const std::string_view echo(buffer, in.bytes);
        received += echo.size();
        shared.echo.add(echo);
        shared.received.store(received, std::memory_order_relaxed);
        const auto out = echo::write_all(STDOUT_FILENO, echo);
        if (!out.ok()) {
            echo::logging::fatal(std::string("cannot write to standard output: ") + std::strerror(out.error));
            shared.echo.finish();
            return reader_status::output_error;
        }
        if (received > queued) { // no later input can set that right
            shared.excess_received = received;
            shared.excess_queued = queued;
            shared.echo.finish();
            return reader_status::more_than_sent;
        }
    }
}

} // namespace echo_client
