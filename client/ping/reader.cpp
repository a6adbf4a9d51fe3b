#include "reader.hpp"

#include "framer.hpp"
#include "matcher.hpp"
#include "report.hpp"

#include "monotonic_clock.hpp"
#include "reader_loop.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"

#include <poll.h>
#include <unistd.h>

#include <cstring>

namespace echo_client::ping {
namespace {

// The ping mode's policy for the shared reader loop: frame each chunk into
// echoes and match them to probes; between chunks, declare losses and
// print; signals end the run or ask for a summary.
class reader {
public:
    static constexpr int receive_flags = 0; // one read a wake-up, into the framer


    reader(int socket, echo::signal_events& signals, probe_records& book, const settings& s,
           const std::string& server)
        : socket_(socket), signals_(signals), book_(book), settings_(s), server_(server), report_(s, server),
          framer_(s.size), matcher_(book, static_cast<std::uint64_t>(s.timeout.count())),
          timeout_text_("within " + seconds_text(s.timeout))
    {
    }

    std::optional<int> step();
    reader_wait wait() const;
    std::optional<int> on_other();
    std::span<char> receive_into() { return framer_.space(); }
    std::optional<int> take(received in);

private:
    static std::string seconds_text(std::chrono::nanoseconds d)
    {
        char text[32];
        std::snprintf(text, sizeof text, "%g s", static_cast<double>(d.count()) / 1e9);
        return text;
    }
    // Handles pending signals; returns the exit status when one ends the run.
    [[nodiscard]] std::optional<int> take_signals();
    // What the writer recorded since the last look: the first probe's time, refusals.
    void take_writer_news();
    // A line for each ICMP port unreachable either process has met since the last look.
    void take_refusals();
    void expire(bool everything, const char* why);
    [[nodiscard]] bool flush();
    [[nodiscard]] int finish(std::optional<int> status);
    // The counts with what only the end of a run (or SIGQUIT) fills in.
    [[nodiscard]] tally snapshot();
    [[nodiscard]] bool done() const
    {
        return settings_.count && matcher_.settled() >= settings_.count;
    }

    int socket_;
    echo::signal_events& signals_;
    probe_records& book_;
    const settings& settings_;
    std::string server_;
    report report_;
    framer framer_;
    matcher matcher_;
    std::string timeout_text_;
    std::string out_; // lines not yet written: one write(2) per wake-up
    bool output_failed_ = false;
    std::uint64_t first_sent_ns_ = 0;
};

bool reader::flush()
{
    if (out_.empty() || output_failed_)
        return !output_failed_;
    const auto r = echo::write_all(STDOUT_FILENO, out_);
    out_.clear();
    if (!r.ok()) {
        echo::logging::fatal(std::string("cannot write to standard output: ") + std::strerror(r.error));
        output_failed_ = true;
    }
    return !output_failed_;
}

void reader::expire(bool everything, const char* why)
{
    matcher_.expire(now_ns(), everything, [&](std::uint64_t sequence) {
        report_.lost_line(out_, sequence, why ? why : timeout_text_.c_str());
    });
    book_.record_settled(matcher_.settled()); // frees their slots for the writer
}

std::optional<int> reader::take_signals()
{
    while (const auto info = signals_.next()) {
        const int signo = static_cast<int>(info->ssi_signo);
        if (signo == SIGQUIT)
            continue; // the writer gets it too and passes it on as SIGUSR1
        if (signo == SIGUSR1) {
            // SIGQUIT as the writer passes it on: from a terminal (^\) both
            // processes get SIGQUIT, from kill(1) maybe only one, and two
            // SIGQUITs pending at once merge into one. A signal of its own,
            // from one process, prints one summary each time.
            report_.summary(out_, snapshot(), false);
            continue;
        }
        if (signo == SIGINT) {
            take_refusals();
            return report_.exit_status(matcher_.counts()); // ping's way to end a run: status from the summary
        }
        if (signo == SIGTERM || signo == SIGHUP)
            return echo::exit_status::signal_base + signo;
    }
    return std::nullopt;
}

std::optional<int> reader::take(received in)
{
    take_writer_news();
    const std::uint64_t now = now_ns();
    bool open = true;
    if (!in.ok() && in.error == ECONNREFUSED && settings_.udp) {
        // ICMP port unreachable: nothing listens there (now). Like ping(8),
        // say so and go on; the probe it answered ends lost at --timeout.
        book_.record_refused();
        take_refusals();
        return std::nullopt;
    }
    if (!in.ok()) {
        matcher_.counts().broken = "connection lost to " + server_ + ": " + std::strerror(in.error);
        open = false;
    } else if (in.bytes == 0) {
        matcher_.counts().broken = "the server closed the connection";
        open = false;
    }
    framer_.commit(in.bytes);
    while (const auto echo = framer_.next(!open))
        report_.echo_line(out_, matcher_.take(*echo, now));
    if (open)
        return std::nullopt;
    expire(false, nullptr);
    if (done())
        matcher_.counts().broken.clear(); // closed after echoing every probe: nothing was lost
    else
        expire(true, "(the connection ended)");
    return finish(std::nullopt);
}

void reader::take_writer_news()
{
    if (first_sent_ns_ == 0 && book_.sent() > 0)
        first_sent_ns_ = book_.sent_ns(0); // slot 0 is still the first probe's until the ring wraps
    take_refusals();
}

void reader::take_refusals()
{
    for (const std::uint64_t refused = book_.refused(); matcher_.counts().unreachable < refused;) {
        ++matcher_.counts().unreachable;
        report_.unreachable_line(out_);
    }
}

tally reader::snapshot()
{
    take_writer_news();
    tally t = matcher_.counts();
    t.sent = book_.sent();
    t.in_flight = matcher_.in_flight();
    t.elapsed_ns = first_sent_ns_ ? now_ns() - first_sent_ns_ : 0;
    return t;
}

int reader::finish(std::optional<int> status)
{
    const tally t = snapshot();
    report_.summary(out_, t, true);
    if (!flush())
        return echo::exit_status::io_error;
    const int result = status ? *status : report_.exit_status(t);
    if (!t.broken.empty())
        echo::logging::fatal(t.broken);
    else if (result == echo::exit_status::unavailable)
        echo::logging::fatal(echo::concat("nothing listens at ", server_, ": ", t.unreachable,
                                          " answers of port unreachable and no echo to ", t.sent, " probes"));
    return result;
}

std::optional<int> reader::step()
{
    take_writer_news();
    expire(false, nullptr);
    if (done())
        return finish(std::nullopt);
    if (!flush())
        return echo::exit_status::io_error;
    return std::nullopt;
}

// Wake for signals, and when the oldest probe times out; with none
// outstanding, a probe sent from now on times out no sooner than --timeout
// from now.
reader_wait reader::wait() const
{
    const std::uint64_t deadline = matcher_.next_deadline_ns();
    const std::uint64_t now = now_ns();
    const std::uint64_t wait =
        deadline == 0 ? static_cast<std::uint64_t>(settings_.timeout.count()) : (deadline > now ? deadline - now : 0);
    return {signals_.fd(), wait};
}

std::optional<int> reader::on_other()
{
    if (const auto status = take_signals())
        return finish(status);
    return std::nullopt;
}

} // namespace

int run_reader(int socket, int ready, echo::signal_events& signals, probe_records& book, const settings& s,
               const std::string& server)
{
    reader r(socket, signals, book, s, server);
    const std::uint64_t one = 1;
    while (::write(ready, &one, sizeof one) < 0 && errno == EINTR) {
    }
    return run_reader_loop(socket, r);
}

} // namespace echo_client::ping
