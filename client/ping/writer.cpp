#include "writer.hpp"

#include "probe.hpp"

#include "monotonic_clock.hpp"

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

class writer {
public:
    writer(int socket, echo::signal_events& signals, pid_t reader, shared_book& book, const settings& s)
        : socket_(socket), signals_(signals), reader_(reader), book_(book), settings_(s), probe_(s.size),
          interval_ns_(static_cast<std::uint64_t>(s.interval.count()))
    {
    }

    int run(int ready);

private:
    // Returns the exit status once the reader has ended.
    [[nodiscard]] std::optional<int> take_signals();
    [[nodiscard]] static int status_of(int wait_status);
    void start_probe(std::uint64_t due, std::uint64_t now);
    void send_pending();
    [[nodiscard]] bool sending() const
    {
        return !stopped_ && (settings_.count == 0 || next_ < settings_.count);
    }

    int socket_;
    echo::signal_events& signals_;
    pid_t reader_;
    shared_book& book_;
    const settings& settings_;
    std::vector<char> probe_;
    std::uint64_t interval_ns_;
    std::uint64_t start_ns_ = 0;
    std::uint64_t next_ = 0;           // sequence number of the next probe
    std::size_t pending_ = 0;          // bytes of the current probe not yet sent
    std::uint64_t backlog_until_ = 0;  // when the socket last took a probe it had made wait
    bool waited_ = false;              // the current probe had to wait for room
    bool stopped_ = false;             // a signal or a send error ended the sending
};

int writer::status_of(int wait_status)
{
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    echo::logging::fatal("the reading process was killed by signal " + std::to_string(WTERMSIG(wait_status)));
    return echo::exit_status::failure;
}

std::optional<int> writer::take_signals()
{
    while (const auto info = signals_.next()) {
        const int signo = static_cast<int>(info->ssi_signo);
        if (signo == SIGCHLD) {
            int wait_status = 0;
            if (::waitpid(reader_, &wait_status, WNOHANG) == reader_)
                return status_of(wait_status);
        } else if (signo == SIGQUIT) {
            ::kill(reader_, SIGUSR1); // the reader prints the summary (see reader.cpp)
        } else if (signo == SIGUSR1) {
            continue; // only ever meant for the reader
        } else {
            // SIGINT, SIGTERM, SIGHUP: stop sending; the reader prints the
            // summary and decides the status. Ending twice is harmless.
            stopped_ = true;
            ::kill(reader_, signo);
        }
    }
    return std::nullopt;
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

int writer::run(int ready)
{
    // Wake-ups on time: the default 50 µs timer slack would be a visible
    // part of a loopback round trip when --interval is short.
    ::prctl(PR_SET_TIMERSLACK, 1000UL);
    for (pollfd fds[2] = {{signals_.fd(), POLLIN, 0}, {ready, POLLIN, 0}}; !fds[1].revents;) {
        if (::poll(fds, 2, -1) < 0 && errno != EINTR)
            echo::throw_errno("poll");
        if (fds[0].revents)
            if (const auto status = take_signals())
                return *status; // the reader ended before it was ready
        if (stopped_)
            fds[1].fd = -1; // interrupted before the first probe: wait for the reader's summary
    }
    start_ns_ = now_ns();
    for (;;) {
        std::uint64_t now = now_ns();
        bool want_room = false;
        std::uint64_t wait_ns = UINT64_MAX; // no timeout
        if (pending_ > 0 && !stopped_) {
            want_room = true;
        } else if (sending()) {
            const std::uint64_t due = start_ns_ + next_ * interval_ns_;
            if (next_ - book_.settled() >= shared_book::ring_size)
                wait_ns = 1'000'000; // every slot in flight: wait for the reader to settle some
            else if (due <= now) {
                start_probe(due, now);
                wait_ns = 0; // look at signals, then go on
            } else {
                wait_ns = due - now;
            }
        }
        pollfd fds[2] = {{signals_.fd(), POLLIN, 0}, {want_room ? socket_ : -1, POLLOUT, 0}};
        const timespec ts = to_timespec(wait_ns);
        if (::ppoll(fds, 2, wait_ns == UINT64_MAX ? nullptr : &ts, nullptr) < 0 && errno != EINTR)
            echo::throw_errno("ppoll");
        if (fds[0].revents)
            if (const auto status = take_signals())
                return *status;
        if (fds[1].revents && pending_ > 0)
            send_pending();
    }
}

} // namespace

int run_writer(int socket, int ready, echo::signal_events& signals, pid_t reader, shared_book& book,
               const settings& s)
{
    writer w(socket, signals, reader, book, s);
    return w.run(ready);
}

} // namespace echo_client::ping
