#include "echo_reader.hpp"

#include "outstanding.hpp"

#include "datagram_socket.hpp"
#include "monotonic_clock.hpp"

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


class echo_reader {
public:
    echo_reader(int socket, int wake, int room, datagram_book& book, std::chrono::nanoseconds timeout)
        : socket_(socket), wake_(wake), room_(room), book_(book),
          timeout_ns_(static_cast<std::uint64_t>(timeout.count()))
    {
    }

    int run();

private:
    void take_new_entries();
    [[nodiscard]] int poll_timeout_ms();
    // Reads every datagram waiting; returns a reader_status when the run must end.
    [[nodiscard]] std::optional<int> take_echoes();
    void tell_writer();

    int socket_, wake_, room_;
    datagram_book& book_;
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
// sent meanwhile is taken in before its own deadline can pass.
int echo_reader::poll_timeout_ms()
{
    std::uint64_t until = now_ns() + timeout_ns_;
    if (const auto deadline = in_flight_.next_deadline(); deadline && *deadline < until)
        until = *deadline;
    const std::uint64_t now = now_ns();
    return until <= now ? 0 : static_cast<int>((until - now + 999'999) / 1'000'000);
}

void echo_reader::tell_writer()
{
    if (!settled_some_)
        return;
    settled_some_ = false;
    const std::uint64_t one = 1;
    (void)!::write(room_, &one, sizeof one); // an eventfd: never partial, never blocks short of 2^64
}

std::optional<int> echo_reader::take_echoes()
{
    for (;;) {
        const ssize_t n = ::recv(socket_, buffer_, sizeof buffer_, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return std::nullopt;
            if (errno == ECONNREFUSED)
                return reader_status::refused;
            echo::logging::fatal(std::string("cannot receive: ") + std::strerror(errno));
            return reader_status::socket_error;
        }
        const auto size = static_cast<std::size_t>(n);
        const std::string_view echo(buffer_, std::min(size, sizeof buffer_));
        take_new_entries(); // the datagram may have been sent since the last look
        const auto match = size > max_datagram_payload ? outstanding::match::stray : in_flight_.take(key_of(echo));
        if (match == outstanding::match::echoed) {
            book_.record_echoed(size);
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
            book_.record_stray(size);
            return reader_status::stray;
        }
    }
}

int echo_reader::run()
{
    for (;;) {
        take_new_entries();
        in_flight_.expire(now_ns(), [&](std::uint64_t bytes) {
            book_.record_lost(bytes);
            settled_some_ = true;
        });
        tell_writer();
        if (book_.input_ended() && taken_ == book_.sent() && in_flight_.empty())
            return reader_status::all_settled;
        pollfd fds[2] = {{socket_, POLLIN, 0}, {wake_, POLLIN, 0}};
        if (::poll(fds, 2, poll_timeout_ms()) < 0) {
            if (errno == EINTR)
                continue;
            echo::logging::fatal(std::string("poll: ") + std::strerror(errno));
            return reader_status::socket_error;
        }
        if (fds[1].revents) {
            std::uint64_t count = 0;
            (void)!::read(wake_, &count, sizeof count);
        }
        if (fds[0].revents)
            if (const auto end = take_echoes())
                return *end;
    }
}

} // namespace

int run_echo_reader(int socket, int wake, int room, datagram_book& book, std::chrono::nanoseconds timeout) noexcept
{
    try {
        echo_reader r(socket, wake, room, book, timeout);
        return r.run();
    } catch (const std::exception& e) {
        echo::logging::fatal(e.what());
        return reader_status::socket_error;
    }
}

} // namespace echo_client::udp
