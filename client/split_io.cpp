#include "split_io.hpp"

#include "fork_reader.hpp"
#include "ledger.hpp"
#include "link_timeout.hpp"
#include "reader.hpp"
#include "standard_input.hpp"
#include "stream_digest.hpp"
#include "writer_loop.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"
#include "echo/protocol.hpp"
#include "echo/signals.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>

namespace echo_client {
namespace {

namespace status = echo::exit_status;
using clock = std::chrono::steady_clock;

// The parent half, the stream's policy for the shared writer loop: stdin to
// the socket, watching the child all along so that a vanished server is
// noticed at once, not at the next write.
class writer {
public:
    writer(int socket, pid_t reader, std::string server, const options& opts,
           ledger& shared, std::span<block_digest> sent_slots)
        : socket_(socket), reader_(reader), server_(std::move(server)), raw_(opts.raw),
          wait_(opts.wait), link_(socket, opts.link_timeout), shared_(shared), sent_(sent_slots) {}

    // The shared loop's policy (writer_loop.hpp).
    std::optional<int> step();
    writer_wait wait();
    std::optional<int> on_signal(int signo) { return interrupted(reader_, signo); }
    int reader_ended(int wait_status);
    std::optional<int> on_ready(short revents);

private:
    void read_input();
    void queue(std::string_view data);
    void queue_with_held(std::string_view held, std::size_t forward);
    void send_pending();
    [[nodiscard]] bool waiting_on_server() const noexcept;
    [[nodiscard]] int poll_timeout_ms();
    [[nodiscard]] std::string echoed_of_sent() const;
    [[nodiscard]] int wait_ran_out();
    [[nodiscard]] int link_gone();
    [[nodiscard]] int conclude(int wait_status);

    int socket_;
    pid_t reader_;
    std::string server_;
    bool raw_;
    std::chrono::seconds wait_;
    link_watch link_;
    ledger& shared_;
    standard_input input_;

    echo::protocol::quit_line_filter quit_filter_;
    block_digests sent_; // every byte queued, in order: what the echo must be
    // Input is read behind room for the bytes the quit-line filter held back
    // from the read before ("q" or "q\r"), so they go out in front of it
    // without copying the rest.
    static constexpr std::size_t held_room = 2;
    static constexpr std::size_t input_size = 128 * 1024;
    char buffer_[held_room + input_size];
    std::string_view outbox_; // in buffer_: queued, not yet all sent
    std::size_t outbox_sent_ = 0;
    std::uint64_t sent_bytes_ = 0;       // handed to the kernel
    clock::time_point last_progress_{}; // when we last moved bytes or began to wait on the server
    bool shut_down_ = false;
    int send_error_ = 0;
    int poll_timeout_ = -1; // step()'s, for wait()
    int waiting_on_ = -1;   // the descriptor wait() named
};

void writer::read_input()
{
    outbox_ = {};
    outbox_sent_ = 0;
    const auto data = input_.read({buffer_ + held_room, input_size});
    if (!data) {
        if (!raw_ && !input_.failed())
            queue_with_held(quit_filter_.finish(), 0);
        return;
    }
    if (raw_) {
        queue(*data);
        return;
    }
    const auto step = quit_filter_.feed(*data);
    queue_with_held(step.held, step.forward);
    if (step.quit)
        input_.quit_line(quit_filter_.quit_letter(), sent_.bytes(), step.consumed, data->size());
}

// The held bytes, then the first `forward` bytes of the input just read.
void writer::queue_with_held(std::string_view held, std::size_t forward)
{
    if (held.size() > held_room)
        throw std::logic_error("the quit-line filter held back more than \"q\\r\"");
    char* begin = buffer_ + held_room - held.size();
    if (!held.empty())
        std::memcpy(begin, held.data(), held.size());
    queue({begin, held.size() + forward});
}

// Counted and digested before it is sent: the reader compares what comes
// back with `queued`, which must never lag behind the server.
void writer::queue(std::string_view data)
{
    outbox_ = data;
    outbox_sent_ = 0;
    if (data.empty())
        return;
    sent_.add(data);
    shared_.queued.store(sent_.bytes(), std::memory_order_release);
    last_progress_ = clock::now();
}

void writer::send_pending()
{
    while (outbox_sent_ < outbox_.size()) {
        const ssize_t n = ::send(socket_, outbox_.data() + outbox_sent_, outbox_.size() - outbox_sent_,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            outbox_sent_ += static_cast<std::size_t>(n);
            sent_bytes_ += static_cast<std::uint64_t>(n);
            last_progress_ = clock::now();
        } else if (errno == EAGAIN || errno == EINTR) {
            return; // poll says when there is room
        } else {
            // The server is gone; the reader will see it too and end.
            send_error_ = errno;
            input_.close();
            outbox_ = {};
            outbox_sent_ = 0;
            return;
        }
    }
}

// The client waits on the server alone when it has bytes the socket does not
// take, or has ended its input; waiting for stdin is the user's time.
bool writer::waiting_on_server() const noexcept
{
    return send_error_ == 0 && (outbox_sent_ < outbox_.size() || shut_down_);
}

// How long poll may sleep: until --wait runs out (0: it has), or forever.
int writer::poll_timeout_ms()
{
    if (wait_.count() == 0 || !waiting_on_server())
        return -1;
    const ticks reader_since = shared_.reader_waiting_since.load(std::memory_order_relaxed);
    // A reader blocked on stdout (a paused pager) holds the echo back itself:
    // that is not the server's time. Look again later.
    if (reader_since == reader_busy)
        return static_cast<int>(std::chrono::milliseconds(wait_).count());
    const auto since = std::max(last_progress_, clock::time_point(clock::duration(reader_since)));
    const auto left = since + wait_ - clock::now();
    if (left <= clock::duration::zero())
        return 0;
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

std::optional<int> writer::step()
{
    const bool outbox_empty = outbox_sent_ == outbox_.size();
    if (!input_.open() && outbox_empty && !shut_down_ && send_error_ == 0) {
        // End of our input: the server sees end of file, echoes the rest and closes.
        ::shutdown(socket_, SHUT_WR);
        shut_down_ = true;
        last_progress_ = clock::now();
    }
    poll_timeout_ = poll_timeout_ms();
    if (poll_timeout_ == 0)
        return wait_ran_out();
    return std::nullopt;
}

writer_wait writer::wait()
{
    int timeout = poll_timeout_;
    // Wake to look at the link too, whatever we wait on: a line typed
    // before the link died is as unanswered as a file in flight.
    if (const int look = link_.look_every_ms(); look >= 0 && (timeout < 0 || look < timeout))
        timeout = look;
    writer_wait w;
    if (timeout >= 0)
        w.timeout_ns = static_cast<std::uint64_t>(timeout) * 1'000'000;
    if (outbox_sent_ < outbox_.size() && send_error_ == 0)
        w.fd = socket_, w.events = POLLOUT;
    else if (input_.wanted())
        w.fd = STDIN_FILENO, w.events = POLLIN;
    waiting_on_ = w.fd;
    return w;
}

int writer::reader_ended(int wait_status)
{
    input_.look_past_quit_line_if_readable({buffer_, sizeof buffer_});
    return conclude(wait_status);
}

std::optional<int> writer::on_ready(short revents)
{
    if (link_.gone())
        return link_gone();
    if (!revents)
        return std::nullopt;
    if (waiting_on_ == socket_)
        send_pending();
    else if (input_.open())
        read_input();
    else
        input_.look_past_quit_line({buffer_, sizeof buffer_});
    return std::nullopt;
}

std::string writer::echoed_of_sent() const
{
    return echo::concat(shared_.received.load(std::memory_order_relaxed), " of ", sent_bytes_, " bytes came back");
}

int writer::wait_ran_out()
{
    const int wait_status = end_reader(reader_);
    if (WIFEXITED(wait_status))
        return conclude(wait_status); // the reader finished as time ran out
    const auto seconds = std::to_string(wait_.count());
    if (shut_down_)
        echo::logging::fatal("no echo from " + server_ + " for " + seconds + " s after the end of input (" +
                             echoed_of_sent() + "; see --wait)");
    else
        echo::logging::fatal(server_ + " neither took input nor echoed for " + seconds + " s (" + echoed_of_sent() +
                             "; see --wait)");
    return status::wait_expired;
}

int writer::link_gone()
{
    const int wait_status = end_reader(reader_);
    if (WIFEXITED(wait_status))
        return conclude(wait_status); // the reader met the end first, and knows more
    echo::logging::fatal(echo::concat("connection lost to ", server_, ": nothing heard from it for ",
                                      link_.limit().count(), " s while it owed an answer (timed out; see "
                                      "--link-timeout; ", echoed_of_sent(), ")"));
    return status::failure;
}

int writer::conclude(int wait_status)
{
    if (reader_was_killed(wait_status))
        return status::failure;
    switch (WEXITSTATUS(wait_status)) {
    case reader_status::output_error:
        return status::io_error;
    case reader_status::more_than_sent:
        echo::logging::fatal(echo::concat(server_, " echoed more than it was sent: ", shared_.excess_received,
                                          " bytes came back when ", shared_.excess_queued, " had been sent"));
        return status::not_an_echo;
    case reader_status::server_closed:
        break;
    case reader_status::socket_error:
        if (shared_.read_error != 0) // 0: the reader failed otherwise, and said why
            echo::logging::fatal(echo::concat("connection lost to ", server_, ": ", std::strerror(shared_.read_error),
                                              " (", echoed_of_sent(), ")"));
        return status::failure;
    default:
        return status::failure; // the reader said why
    }
    sent_.finish();
    const auto verdict = compare(sent_, shared_.echo);
    const auto received = shared_.echo.bytes();
    // Wrong bytes matter more than a short echo: they say the server is not
    // an echo server at all.
    if (verdict.what == echo_verdict::outcome::different) {
        echo::logging::fatal(echo::concat(server_, " echoed different bytes: the first difference is in bytes ",
                                          verdict.first, " to ", verdict.last, " (", received, " bytes came back, ",
                                          sent_bytes_, " were sent)"));
        return status::not_an_echo;
    }
    if (send_error_ != 0) {
        // A reset or a closed pipe is the server's doing; a timeout or an
        // unreachable network (--link-timeout, a dead link) is the path's.
        if (send_error_ == EPIPE || send_error_ == ECONNRESET)
            echo::logging::fatal(server_ + " closed the connection before all input was sent (" +
                                 std::strerror(send_error_) + ")");
        else
            echo::logging::fatal(echo::concat("connection lost to ", server_, " before all input was sent: ",
                                              std::strerror(send_error_), " (", echoed_of_sent(), ")"));
        return status::failure;
    }
    if (!shut_down_) {
        echo::logging::fatal(server_ + " closed the connection");
        return status::failure;
    }
    if (verdict.what == echo_verdict::outcome::shorter) {
        echo::logging::fatal(echo::concat(server_, " closed the connection after echoing ", received, " of ",
                                          sent_bytes_, " bytes"));
        return status::failure;
    }
    if (verdict.what == echo_verdict::outcome::longer) { // the reader stops at once; this is a safety net
        echo::logging::fatal(echo::concat(server_, " echoed more than it was sent: ", received,
                                          " bytes came back when ", sent_bytes_, " had been sent"));
        return status::not_an_echo;
    }
    return input_.failed() ? status::io_error : status::ok;
}

} // namespace

int run_split_io(echo::unique_fd socket, const std::string& server, const options& opts)
{
    shared_ledger shared;
    // Before the fork, so a failure leaves no child; untouched, it costs the child nothing.
    echo::anonymous_mapping sent_slots(digest_slots * sizeof(block_digest), echo::sharing::this_process);
    // Blocked before fork, so no SIGCHLD can be missed.
    echo::signal_events signals({SIGCHLD, SIGINT, SIGTERM, SIGHUP});
    const pid_t reader = fork_reader(reader_status::socket_error, [&] {
        signals.release_in_child();
        return copy_socket_to_stdout(socket.get(), shared.get());
    });
    auto w = std::make_unique<writer>(socket.get(), reader, server, opts, shared.get(),
                                      std::span(static_cast<block_digest*>(sent_slots.data()), digest_slots));
    return run_writer_loop(signals, reader, *w);
}

} // namespace echo_client
