#include "new_connection.hpp"

#include "probe.hpp"
#include "report.hpp"
#include "tally.hpp"

#include "monotonic_clock.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"
#include "echo/signals.hpp"
#include "echo/socket.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <list>
#include <string_view>
#include <system_error>

namespace echo_client::ping {
namespace {

// Connections in flight at once; probes due beyond that wait, and are
// timed from when they were due.
constexpr std::size_t max_in_flight = 256;

struct attempt {
    echo::unique_fd fd;
    std::uint64_t sequence = 0;
    std::uint64_t started_ns = 0;   // connect() began (or the probe was due)
    std::uint64_t connected_ns = 0; // 0 while connecting
    std::string preamble; // the PROXY header (--proxy), sent before the probe
    std::size_t preamble_sent = 0;
    std::vector<char> probe;
    std::vector<char> echo;
    std::size_t sent = 0;
    std::size_t received = 0;
};

enum class send_outcome { done, would_block, failed };

// Sends what is left of `data` from `sent` on, without blocking.
send_outcome send_rest(int fd, std::string_view data, std::size_t& sent)
{
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0)
            sent += static_cast<std::size_t>(n);
        else if (errno == EAGAIN)
            return send_outcome::would_block;
        else if (errno != EINTR)
            return send_outcome::failed;
    }
    return send_outcome::done;
}

class pinger {
public:
    pinger(const settings& s, echo::socket_address target, const std::string& server, const proxy_settings& proxy)
        : settings_(s), proxy_(proxy), target_(target), report_(s, server),
          interval_ns_(static_cast<std::uint64_t>(s.interval.count())),
          timeout_ns_(static_cast<std::uint64_t>(s.timeout.count())),
          signals_({SIGINT, SIGTERM, SIGHUP, SIGQUIT})
    {
    }

    int run();

private:
    [[nodiscard]] bool sending() const { return !stopped_ && (settings_.count == 0 || next_ < settings_.count); }
    void start(std::uint64_t stamp);
    // Moves one attempt on after poll said it is ready; true when it is over.
    [[nodiscard]] bool advance(attempt& a, short revents);
    void lose(const attempt& a, const std::string& why);
    [[nodiscard]] std::optional<int> take_signals();
    [[nodiscard]] tally snapshot() const;
    [[nodiscard]] bool flush();

    const settings& settings_;
    const proxy_settings& proxy_;
    echo::socket_address target_;
    report report_;
    std::uint64_t interval_ns_;
    std::uint64_t timeout_ns_;
    echo::signal_events signals_;
    std::list<attempt> in_flight_;
    tally tally_;
    std::uint64_t start_ns_ = 0;
    std::uint64_t next_ = 0;
    bool stopped_ = false;
    bool held_back_ = false; // the in-flight limit kept due probes waiting
    std::string out_;
};

void pinger::start(std::uint64_t stamp)
{
    attempt a;
    a.sequence = next_++;
    a.started_ns = stamp;
    a.probe.resize(settings_.size);
    a.echo.resize(settings_.size);
    ++tally_.sent;
    a.fd.reset(::socket(target_.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
    if (!a.fd) {
        ++tally_.connect_failures;
        lose(a, std::strerror(errno));
        return;
    }
    echo::set_no_delay(a.fd.get());
    if (::connect(a.fd.get(), target_.get(), target_.length) != 0 && errno != EINPROGRESS) {
        ++tally_.connect_failures;
        lose(a, std::strerror(errno));
        return;
    }
    in_flight_.push_back(std::move(a));
}

void pinger::lose(const attempt& a, const std::string& why)
{
    ++tally_.lost;
    if (a.connected_ns == 0 && why != "timed out")
        report_.connect_failed_line(out_, a.sequence, why);
    else
        report_.lost_line(out_, a.sequence, why == "timed out" ? "within the timeout" : ("(" + why + ")").c_str());
}

bool pinger::advance(attempt& a, short revents)
{
    const std::uint64_t now = now_ns();
    if (a.connected_ns == 0) {
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(a.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0) {
            ++tally_.connect_failures;
            lose(a, std::strerror(err));
            return true;
        }
        a.connected_ns = now;
        tally_.connect.add(now - a.started_ns);
        write_probe(a.probe, {a.sequence, now});
        if (proxy_.enabled()) {
            try {
                a.preamble = proxy_header_for(a.fd.get(), proxy_);
            } catch (const std::system_error& e) { // reset as soon as connected: getpeername fails
                lose(a, std::strerror(e.code().value()));
                return true;
            }
        }
    }
    auto outcome = send_rest(a.fd.get(), a.preamble, a.preamble_sent); // the header first, all of it
    if (outcome == send_outcome::done)
        outcome = send_rest(a.fd.get(), {a.probe.data(), a.probe.size()}, a.sent);
    if (outcome == send_outcome::would_block)
        return false;
    if (outcome == send_outcome::failed) {
        lose(a, std::strerror(errno));
        return true;
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return false;
    const auto in = echo::read_some(a.fd.get(), {a.echo.data() + a.received, a.echo.size() - a.received});
    if (in.ok() && in.bytes > 0) {
        a.received += in.bytes;
        if (a.received < a.echo.size())
            return false;
        const auto header = read_header({a.echo.data(), header_size});
        const auto difference = header ? first_difference(a.echo, *header) : std::optional<std::size_t>(0);
        const std::uint64_t rtt = now - a.connected_ns;
        if (!header || header->sequence != a.sequence || difference) {
            ++tally_.corrupted;
            ++tally_.lost;
            report_.echo_line(out_, {verdict::kind::corrupted, a.sequence, rtt, difference.value_or(0), 0});
        } else {
            ++tally_.echoed;
            tally_.round_trip.add(rtt);
            report_.echo_line(out_, {verdict::kind::echoed, a.sequence, rtt, 0, 0}, a.connected_ns - a.started_ns);
        }
        return true;
    }
    lose(a, in.ok() ? "the server closed the connection early" : std::strerror(in.error));
    return true;
}

std::optional<int> pinger::take_signals()
{
    while (const auto info = signals_.next()) {
        const int signo = static_cast<int>(info->ssi_signo);
        if (signo == SIGQUIT)
            report_.summary(out_, snapshot(), false);
        else if (signo == SIGINT)
            return report_.exit_status(tally_);
        else
            return echo::exit_status::signal_base + signo;
    }
    return std::nullopt;
}

tally pinger::snapshot() const
{
    tally t = tally_;
    t.in_flight = in_flight_.size();
    t.elapsed_ns = now_ns() - start_ns_;
    return t;
}

bool pinger::flush()
{
    if (out_.empty())
        return true;
    const auto r = echo::write_all(STDOUT_FILENO, out_);
    out_.clear();
    if (!r.ok())
        echo::logging::fatal(std::string("cannot write to standard output: ") + std::strerror(r.error));
    return r.ok();
}

int pinger::run()
{
    ::prctl(PR_SET_TIMERSLACK, 1000UL);
    start_ns_ = now_ns();
    std::optional<int> ended;
    std::vector<pollfd> fds;
    while (!ended && (sending() || !in_flight_.empty())) {
        std::uint64_t now = now_ns();
        // Start every probe that is due (timed from when it was due if the
        // in-flight limit held it back), then time out what is overdue.
        while (sending() && in_flight_.size() < max_in_flight && start_ns_ + next_ * interval_ns_ <= now) {
            const std::uint64_t due = start_ns_ + next_ * interval_ns_;
            start(interval_ns_ > 0 && held_back_ ? due : now);
            now = now_ns();
        }
        held_back_ = sending() && in_flight_.size() >= max_in_flight;
        std::uint64_t wake = sending() && !held_back_ ? start_ns_ + next_ * interval_ns_ : UINT64_MAX;
        for (auto it = in_flight_.begin(); it != in_flight_.end();) {
            if (it->started_ns + timeout_ns_ <= now) {
                lose(*it, "timed out");
                it = in_flight_.erase(it);
            } else {
                wake = std::min(wake, it->started_ns + timeout_ns_);
                ++it;
            }
        }
        if (!flush())
            return echo::exit_status::io_error;
        fds.assign(1, {signals_.fd(), POLLIN, 0});
        for (const auto& a : in_flight_)
            fds.push_back({a.fd.get(),
                           static_cast<short>(a.connected_ns == 0 || a.sent < a.probe.size() ? POLLOUT : POLLIN), 0});
        now = now_ns();
        const std::uint64_t wait = wake == UINT64_MAX ? UINT64_MAX : (wake > now ? wake - now : 0);
        const timespec ts = to_timespec(wait);
        if (::ppoll(fds.data(), fds.size(), wait == UINT64_MAX ? nullptr : &ts, nullptr) < 0 && errno != EINTR)
            echo::throw_errno("ppoll");
        if (fds[0].revents)
            ended = take_signals();
        std::size_t i = 1;
        for (auto it = in_flight_.begin(); it != in_flight_.end(); ++i) {
            if (fds[i].revents && advance(*it, fds[i].revents))
                it = in_flight_.erase(it);
            else
                ++it;
        }
    }
    const tally t = snapshot();
    report_.summary(out_, t, true);
    if (!flush())
        return echo::exit_status::io_error;
    return ended ? *ended : report_.exit_status(t);
}

} // namespace

int run_new_connections(const settings& s, echo::unique_fd first, const std::string& server,
                        const proxy_settings& proxy)
{
    echo::socket_address target;
    target.length = sizeof target.storage;
    if (::getpeername(first.get(), target.get(), &target.length) != 0)
        echo::throw_errno("getpeername");
    target.family = target.storage.ss_family;
    first.reset(); // it showed the server answers; every probe gets its own
    pinger p(s, target, server, proxy);
    return p.run();
}

} // namespace echo_client::ping
