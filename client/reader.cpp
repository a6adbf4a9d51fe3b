#include "reader.hpp"

#include "reader_loop.hpp"

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

// The stream's policy for the shared reader loop: every chunk goes to
// stdout and into the echo's digests; the run ends at the server's end of
// file, or at once when more came back than was sent.
class stream_reader {
public:
    static constexpr int receive_flags = 0; // blocking: the socket is all it waits on

    explicit stream_reader(ledger& shared) noexcept : shared_(shared) {}

    std::optional<int> step() noexcept { return std::nullopt; }
    reader_wait wait() noexcept { return {}; }
    std::optional<int> on_other() noexcept { return std::nullopt; }

    std::span<char> receive_into() noexcept
    {
        shared_.reader_waiting_since.store(now(), std::memory_order_relaxed);
        return buffer_;
    }

    std::optional<int> take(received in) noexcept
    {
        shared_.reader_waiting_since.store(reader_busy, std::memory_order_relaxed);
        if (!in.ok()) {
            shared_.read_error = in.error; // the parent reports it, with the server and the counts
            return end(reader_status::socket_error);
        }
        if (in.bytes == 0)
            return end(reader_status::server_closed);
        // The parent counts bytes before it sends them, so more than it has
        // counted is certain proof that the server made bytes up; loaded
        // right after the read, the count is as small as it can be.
        const std::uint64_t queued = shared_.queued.load(std::memory_order_acquire);
        const std::string_view echo(buffer_, in.bytes);
        received_ += echo.size();
        shared_.echo.add(echo);
        shared_.received.store(received_, std::memory_order_relaxed);
        const auto out = echo::write_all(STDOUT_FILENO, echo);
        if (!out.ok()) {
            echo::logging::fatal(std::string("cannot write to standard output: ") + std::strerror(out.error));
            return end(reader_status::output_error);
        }
        if (received_ > queued) { // no later input can set that right
            shared_.excess_received = received_;
            shared_.excess_queued = queued;
            return end(reader_status::more_than_sent);
        }
        return std::nullopt;
    }

private:
    int end(int status) noexcept
    {
        shared_.echo.finish();
        return status;
    }

    ledger& shared_;
    std::uint64_t received_ = 0;
    static inline char buffer_[128 * 1024];
};

} // namespace

int copy_socket_to_stdout(int socket, ledger& shared)
{
    stream_reader policy(shared);
    return run_reader_loop(socket, policy);
}

} // namespace echo_client
