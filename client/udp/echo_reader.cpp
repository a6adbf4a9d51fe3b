#include "echo_reader.hpp"

#include "outstanding.hpp"

#include "datagram_socket.hpp"
#include "monotonic_clock.hpp"
#include "reader_loop.hpp"

#include "echo/io.hpp"
#include "echo/log.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace echo_client::udp {
namespace {


// The UDP mode's policy for the shared reader loop: each datagram is
// matched to one the writer recorded, and printed; between datagrams, the
// ones past --timeout are declared lost. Every waiting datagram is read at
// each wake-up.
class echo_reader {
public:
    static constexpr int receive_flags = MSG_DONTWAIT | MSG_TRUNC; // MSG_TRUNC: the true size

    echo_reader(int wake, int room, datagram_records& book, std::chrono::nanoseconds timeout)
        : wake_(wake), room_(room), book_(book), timeout_ns_(static_cast<std::uint64_t>(timeout.count()))
    {
    }

    std::optional<int> step();
    reader_wait wait();
    std::optional<int> on_other();
    std::span<char> receive_into() noexcept { return buffer_; }
    std::optional<int> take(received in);

private:
    void take_new_entries();
    void tell_writer();

    int wake_, room_;
    datagram_records& book_;
    std::uint64_t timeout_ns_;
    outstanding in_flight_;
    std::uint64_t taken_ = 0; // entries of the book copied into in_flight_
    bool settled_some_ = false;
    // One byte more than a datagram can carry: MSG_TRUNC tells a longer one.
    static inline char buffer_[max_datagram_payload + 1];
};

void echo_reader::take_new_entries()
{
    for (const std::uint64_t sent = book_.sent(); taken_ < sent; ++taken_) {
        const auto e = book_.entry(taken_);
        in_flight_.add(e.key, e.sent_ns + timeout_ns_);
    }
}

// Until the oldest deadline, and never longer than --timeout, so a datagram
// sent meanwhile is taken in before its own deadline can pass; and when the
// writer says the input ended.
reader_wait echo_reader::wait()
{
    const std::uint64_t now = now_ns();
    std::uint64_t until = now + timeout_ns_;
    if (const auto deadline = in_flight_.next_deadline(); deadline && *deadline < until)
        until = *deadline;
    return {wake_, until <= now ? 0 : until - now};
}

std::optional<int> echo_reader::on_other()
{
    std::uint64_t count = 0;
    (void)!::read(wake_, &count, sizeof count);
    return std::nullopt;
}

void echo_reader::tell_writer()
{
    if (!settled_some_)
        return;
    settled_some_ = false;
    const std::uint64_t one = 1;
    (void)!::write(room_, &one, sizeof one); // an eventfd: never partial, never blocks short of 2^64
}

std::optional<int> echo_reader::take(received in)
{
    if (in.error == ECONNREFUSED)
        return reader_status::refused;
    if (!in.ok()) {
        echo::logging::fatal(std::string("cannot receive: ") + std::strerror(in.error));
        return reader_status::socket_error;
    }
    const std::string_view echo(buffer_, std::min(in.bytes, sizeof buffer_));
    take_new_entries(); // the datagram may have been sent since the last look
    const auto match = in.bytes > max_datagram_payload ? outstanding::match::stray : in_flight_.take(key_of(echo));
    if (match == outstanding::match::echoed) {
        book_.record_echoed(in.bytes);
        settled_some_ = true;
    } else if (match == outstanding::match::late) {
        book_.record_late();
    }
    const auto out = echo::write_all(STDOUT_FILENO, echo);
    if (!out.ok()) {
        echo::logging::fatal(std::string("cannot write to standard output: ") + std::strerror(out.error));
        return reader_status::output_error;
    }
    if (match == outstanding::match::stray) {
        book_.record_stray(in.bytes);
        return reader_status::stray;
    }
    return std::nullopt;
}

std::optional<int> echo_reader::step()
{
    take_new_entries();
    in_flight_.expire(now_ns(), [&](std::uint64_t bytes) {
        book_.record_lost(bytes);
        settled_some_ = true;
    });
    tell_writer();
    if (book_.input_ended() && taken_ == book_.sent() && in_flight_.empty())
        return reader_status::all_settled;
    return std::nullopt;
}

} // namespace

int run_echo_reader(int socket, int wake, int room, datagram_records& book, std::chrono::nanoseconds timeout)
{
    echo_reader r(wake, room, book, timeout);
    return run_reader_loop(socket, r);
}

} // namespace echo_client::udp
