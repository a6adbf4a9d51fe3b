#include "writer.hpp"

#include "probe.hpp"

#include "monotonic_clock.hpp"
#include "writer_loop.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/log.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cstring>
#include <vector>

namespace echo_client::ping {
namespace {

// The ping mode's policy for the shared writer loop: first wait for the
// reader's word that it is ready, then send each probe when it is due.
class writer {
public:
    writer(int socket, int ready, pid_t reader, probe_records& book, const settings& s)
        : socket_(socket), ready_(ready), reader_(reader), book_(book), settings_(s), probe_(s.size),
          interval_ns_(static_cast<std::uint64_t>(s.interval.count()))
    {
    }

    std::optional<int> step();
    writer_wait wait() const;
    std::optional<int> on_signal(int signo);
    int reader_ended(int wait_status);
    std::optional<int> on_ready(short revents);

private:
    void start_probe(std::uint64_t due, std::uint64_t now);
    void send_pending();
    [[nodiscard]] bool sending() const
    {
        return !stopped_ && (settings_.count == 0 || next_ < settings_.count);
    }

    int socket_;
    int ready_; // eventfd: the reader is set up
    pid_t reader_;
    probe_records& book_;
    const settings& settings_;
    std::vector<char> probe_;
    std::uint64_t interval_ns_;
    std::uint64_t start_ns_ = 0;
    std::uint64_t next_ = 0;           // sequence number of the next probe
    std::size_t pending_ = 0;          // bytes of the current probe not yet sent
    std::uint64_t backlog_until_ = 0;  // when the socket last took a probe it had made wait
    bool waited_ = false;              // the current probe had to wait for room
    bool stopped_ = false;             // a signal or a send error ended the sending
    bool started_ = false;             // the reader said it is ready
    bool want_room_ = false;           // step(): the current probe waits for room in the socket
    std::uint64_t wait_ns_ = no_timeout; // step(): until the next probe is due
};

int writer::reader_ended(int wait_status)
{
    if (reader_was_killed(wait_status))
        return echo::exit_status::failure;
    return WEXITSTATUS(wait_status);
}

std::optional<int> writer::on_signal(int signo)
{
    if (signo == SIGQUIT) {
        ::kill(reader_, SIGUSR1); // the reader prints the summary (see reader.cpp)
    } else if (signo != SIGUSR1) { // SIGUSR1 is only ever meant for the reader
        // SIGINT, SIGTERM, SIGHUP: stop sending; the reader prints the
        // summary and decides the status. Ending twice is harmless.
        stopped_ = true;
        ::kill(reader_, signo);
    }
    return std::nullopt; // the run ends when the reader does
}

void writer::start_probe(std::uint64_t due, std::uint64_t now)
{
    // A probe is timed from when it left, as ping(8) times it, so the
    // client's own wake-up delay is not charged to the path. But a probe
    // that became due while the socket would not take an earlier one was
    // held up by the path: it is timed from when it was due, so a stalled
    // server shows in every probe it delayed (no coordinated omission).
    const std::uint64_t stamp = interval_ns_ > 0 && due <= backlog_until_ ? due : now;
    write_probe(probe_, {next_, stamp});
    book_.record_sent(next_, stamp);
    ++next_;
    pending_ = probe_.size();
    waited_ = false;
    send_pending();
}

void writer::send_pending()
{
    while (pending_ > 0) {
        const ssize_t n = ::send(socket_, probe_.data() + probe_.size() - pending_, pending_,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            pending_ -= static_cast<std::size_t>(n);
        } else if (errno == EAGAIN) {
            waited_ = true;
            return; // poll says when there is room
        } else if (errno == ECONNREFUSED && settings_.udp) {
            // An earlier probe's ICMP port unreachable, which this send
            // took (and cleared) before sending anything: count it as
            // ping(8) does, and send the probe all the same.
            book_.record_refused();
        } else if (errno != EINTR) {
            // The connection is gone; the reader sees it too, and says so.
            stopped_ = true;
            pending_ = 0;
            return;
        }
    }
    if (waited_)
        backlog_until_ = now_ns();
}

std::optional<int> writer::step()
{
    want_room_ = false;
    wait_ns_ = no_timeout;
    if (!started_)
        return std::nullopt;
    const std::uint64_t now = now_ns();
    if (pending_ > 0 && !stopped_) {
        want_room_ = true;
    } else if (sending()) {
        const std::uint64_t due = start_ns_ + next_ * interval_ns_;
        if (next_ - book_.settled() >= probe_records::ring_size)
            wait_ns_ = 1'000'000; // every slot in flight: wait for the reader to settle some
        else if (due <= now) {
            start_probe(due, now);
            wait_ns_ = 0; // look at signals, then go on
        } else {
            wait_ns_ = due - now;
        }
    }
    return std::nullopt;
}

writer_wait writer::wait() const
{
    if (!started_) // interrupted before the first probe: wait for the reader's summary alone
        return {stopped_ ? -1 : ready_, POLLIN, no_timeout};
    return {want_room_ ? socket_ : -1, POLLOUT, wait_ns_};
}

std::optional<int> writer::on_ready(short revents)
{
    if (!started_ && revents) {
        started_ = true;
        start_ns_ = now_ns();
    } else if (revents && pending_ > 0) {
        send_pending();
    }
    return std::nullopt;
}

} // namespace

int run_writer(int socket, int ready, echo::signal_events& signals, pid_t reader, probe_records& book,
               const settings& s)
{
    // Wake-ups on time: the default 50 µs timer slack would be a visible
    // part of a loopback round trip when --interval is short.
    ::prctl(PR_SET_TIMERSLACK, 1000UL);
    writer w(socket, ready, reader, book, s);
    return run_writer_loop(signals, reader, w);
}

} // namespace echo_client::ping
