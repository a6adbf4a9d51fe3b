#include "datagram_writer.hpp"

#include "echo_reader.hpp"
#include "line_datagrams.hpp"
#include "run.hpp"

#include "datagram_socket.hpp"
#include "monotonic_clock.hpp"
#include "standard_input.hpp"
#include "writer_loop.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>

namespace echo_client::udp {
namespace {

namespace status = echo::exit_status;


// The UDP mode's policy for the shared writer loop: input cut into
// datagrams, sent while the book's window has room; the verdict when the
// reader has settled them all.
class writer {
public:
    writer(const writer_setup& setup, datagram_records& book)
        : setup_(setup), book_(book), lines_(max_datagram_payload)
    {
    }

    std::optional<int> step();
    writer_wait wait();
    std::optional<int> on_signal(int signo) { return interrupted(setup_.reader, signo); }
    int reader_ended(int wait_status) { return conclude(wait_status); }
    std::optional<int> on_ready(short revents);

private:
    void read_input();
    // Sends queued datagrams while the window has room; false on a send error.
    [[nodiscard]] bool send_queued();
    [[nodiscard]] int conclude(int wait_status);
    [[nodiscard]] std::string timeout_text() const;

    const writer_setup& setup_;
    datagram_records& book_;
    line_datagrams lines_;
    standard_input input_;
    std::deque<std::string> queue_;
    bool front_recorded_ = false; // queue_.front() is in the book; the socket would not take it yet
    bool socket_full_ = false;
    bool ended_ = false;
    int send_error_ = 0;
    int waiting_on_ = -1; // the descriptor wait() named
    char buffer_[max_datagram_payload];
};

void writer::read_input()
{
    // With --raw, one read is one datagram, so never read more than one holds.
    const auto data = input_.read({buffer_, sizeof buffer_});
    if (!data) {
        if (!setup_.raw && !input_.failed())
            lines_.finish(queue_);
        return;
    }
    if (setup_.raw) {
        queue_.emplace_back(*data);
        return;
    }
    const auto step = lines_.feed(*data, queue_);
    if (!step.quit)
        return;
    // Every byte before the quit line is in the book or still queued.
    std::uint64_t queued = 0;
    for (const auto& d : queue_)
        queued += d.size();
    const std::uint64_t at_byte = book_.totals().sent_bytes + queued - (front_recorded_ ? queue_.front().size() : 0);
    input_.quit_line(lines_.quit_letter(), at_byte, step.consumed, data->size());
}

bool writer::send_queued()
{
    while (!queue_.empty()) {
        const std::string& d = queue_.front();
        if (!front_recorded_) {
            if (!book_.has_room_for(d.size()))
                return true; // the reader says when it has settled some
            // Recorded first: the echo may come back before send() returns.
            book_.record_sent(key_of(d), now_ns());
            front_recorded_ = true;
        }
        const ssize_t n = ::send(setup_.socket, d.data(), d.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            socket_full_ = true;
            return true;
        }
        if (n < 0) {
            send_error_ = errno;
            return false;
        }
        socket_full_ = false;
        front_recorded_ = false;
        queue_.pop_front();
    }
    return true;
}

std::optional<int> writer::step()
{
    if (!send_queued()) {
        (void)end_reader(setup_.reader);
        if (send_error_ == ECONNREFUSED) {
            echo::logging::fatal("nothing answers at " + setup_.server + " (port unreachable)");
            return status::unavailable;
        }
        echo::logging::fatal("cannot send to " + setup_.server + ": " + std::strerror(send_error_));
        return status::failure;
    }
    if (!input_.open() && queue_.empty() && !ended_) {
        book_.end_input();
        const std::uint64_t one = 1;
        (void)!::write(setup_.wake, &one, sizeof one);
        ended_ = true;
    }
    return std::nullopt;
}

writer_wait writer::wait()
{
    writer_wait w;
    if (!queue_.empty())
        w = socket_full_ ? writer_wait{setup_.socket, POLLOUT} : writer_wait{setup_.room, POLLIN};
    else if (input_.wanted())
        w = {STDIN_FILENO, POLLIN};
    waiting_on_ = w.fd;
    return w;
}

std::optional<int> writer::on_ready(short revents)
{
    if (!revents)
        return std::nullopt;
    if (waiting_on_ == setup_.room) {
        std::uint64_t count = 0;
        (void)!::read(setup_.room, &count, sizeof count);
    } else if (waiting_on_ == STDIN_FILENO && input_.open()) {
        read_input();
    } else if (waiting_on_ == STDIN_FILENO) {
        input_.look_past_quit_line(buffer_);
    }
    return std::nullopt;
}

std::string writer::timeout_text() const
{
    char text[32];
    std::snprintf(text, sizeof text, "%g s", static_cast<double>(setup_.timeout.count()) / 1e9);
    return text;
}

int writer::conclude(int wait_status)
{
    if (reader_was_killed(wait_status))
        return status::failure;
    const auto t = book_.totals();
    switch (WEXITSTATUS(wait_status)) {
    case reader_status::all_settled:
        break;
    case reader_status::output_error:
        return status::io_error;
    case reader_status::refused:
        echo::logging::fatal("nothing answers at " + setup_.server + " (port unreachable)");
        return status::unavailable;
    case reader_status::stray:
        echo::logging::fatal(echo::concat(setup_.server, " sent back a datagram of ", t.stray_bytes,
                                          " bytes that was not sent: changed, or echoed twice (", t.echoed, " of ",
                                          t.sent, " datagrams had come back intact)"));
        return status::not_an_echo;
    default:
        return status::failure; // the reader said why
    }
    if (t.lost > 0) {
        std::string late;
        if (t.late > 0)
            late = echo::concat("; ", t.late, " came back later");
        echo::logging::fatal(echo::concat(t.lost, " of ", t.sent, " datagrams (", t.lost_bytes, " of ", t.sent_bytes,
                                          " bytes) did not come back from ", setup_.server, " within ",
                                          timeout_text(), late));
        return udp_status::lost;
    }
    return input_.failed() ? status::io_error : status::ok;
}

} // namespace

int run_datagram_writer(const writer_setup& setup, echo::signal_events& signals, datagram_records& book)
{
    auto w = std::make_unique<writer>(setup, book);
    return run_writer_loop(signals, setup.reader, *w);
}

} // namespace echo_client::udp
