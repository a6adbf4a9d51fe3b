// udp-rate: N connected UDP sockets, each keeping a window of SIZE-byte
// datagrams in flight and sending a new one for each echo. Measures
// datagrams echoed per second, each echo matched to what was sent and checked
// byte for byte. A datagram not echoed within --loss-timeout counts as lost
// (and its slot in the window is reused); losses are reported, never
// hidden, and so are late echoes of datagrams already counted as lost.
// Datagrams move in batches (sendmmsg/recvmmsg), so that the load generator,
// which shares the cores with the server, spends as little per datagram as
// the reference server does.
#include "datagram.hpp"
#include "failures.hpp"
#include "in_flight.hpp"
#include "modes.hpp"
#include "stats.hpp"

#include "echo/error.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace bench {
namespace {

struct udp_client {
    echo::unique_fd fd;
    datagrams_in_flight flight;
    std::vector<char> outgoing; // one slot of --size bytes per window place
};

// Scatter/gather headers for one batch of `count` datagrams of `slot` bytes
// in `storage`, each described in full (recvmmsg and sendmmsg alike).
class batch {
public:
    batch(std::size_t count, std::size_t slot) : vectors_(count), messages_(count), slot_(slot) {}

    std::span<mmsghdr> point_at(std::span<char> storage, std::size_t count) noexcept
    {
        for (std::size_t i = 0; i < count; ++i) {
            vectors_[i] = {storage.data() + i * slot_, slot_};
            messages_[i] = {};
            messages_[i].msg_hdr.msg_iov = &vectors_[i];
            messages_[i].msg_hdr.msg_iovlen = 1;
        }
        return {messages_.data(), count};
    }

private:
    std::vector<iovec> vectors_;
    std::vector<mmsghdr> messages_;
    std::size_t slot_;
};

// The RESULT line keeps two decimals; a loss ratio needs more.
std::string fixed(double value, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

struct tally {
    std::uint64_t measured = 0; // verified echoes while the clock ran
    std::uint64_t echoed = 0;   // verified echoes in all
    std::uint64_t sent = 0;
    std::uint64_t lost = 0;
    std::uint64_t late = 0;
};

} // namespace

int run_udp_rate(const options& o)
{
    if (o.size < min_datagram || o.size > max_datagram)
        throw usage_error("udp-rate: --size must be 16..65507");
    if (o.window == 0 || o.window > 1024)
        throw usage_error("udp-rate: --window must be 1..1024");
    const auto target = target_address(o.host, o.port);
    source_addresses sources(target.family(), o.sources);
    raise_descriptor_limit(o.connections + 64);
    const pattern bytes;
    event_loop loop;
    std::vector<udp_client> clients(o.connections);
    for (std::size_t i = 0; i < clients.size(); ++i) {
        clients[i].fd = open_datagram_socket(target, sources.next());
        clients[i].outgoing.resize(o.window * o.size);
        loop.add(clients[i].fd.get(), EPOLLIN, i);
    }
    // One byte more than expected, so a longer echo shows as a wrong length.
    const std::size_t receive_slot = o.size + 1;
    std::vector<char> incoming(o.window * receive_slot);
    batch receiving(o.window, receive_slot);
    batch sending(o.window, o.size);
    latencies round_trips;
    failures failed;
    tally t;
    const auto loss_timeout_ns = std::chrono::nanoseconds(o.loss_timeout).count();
    const auto timeout_ns = std::chrono::nanoseconds(o.timeout).count();

    const std::int64_t begin = now_ns();
    const std::int64_t deadline = begin + std::chrono::nanoseconds(o.duration).count();
    std::int64_t end = deadline;
    bool clock_running = true;
    std::int64_t last_echo = begin;

    auto socket_failed = [&](const char* what) {
        failed.note_connect(std::string(what) + ": " + std::strerror(errno));
    };
    auto top_up = [&](std::size_t i) {
        udp_client& c = clients[i];
        const std::size_t room = o.window - c.flight.unanswered();
        if (room == 0)
            return;
        for (std::size_t k = 0; k < room; ++k)
            fill_datagram({c.outgoing.data() + k * o.size, o.size}, static_cast<std::uint32_t>(i),
                          c.flight.next_seq() + k, bytes);
        auto messages = sending.point_at(c.outgoing, room);
        const int put = ::sendmmsg(c.fd.get(), messages.data(), static_cast<unsigned>(room), 0);
        if (put < 0) {
            // A full send buffer: the same datagrams go at the next turn.
            if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
                socket_failed("send");
            return;
        }
        const std::int64_t now = now_ns();
        for (int k = 0; k < put; ++k)
            c.flight.sent(now);
        t.sent += static_cast<std::uint64_t>(put);
    };
    auto receive = [&](std::size_t i) {
        udp_client& c = clients[i];
        for (;;) {
            auto messages = receiving.point_at(incoming, o.window);
            const int got = ::recvmmsg(c.fd.get(), messages.data(), static_cast<unsigned>(o.window), MSG_DONTWAIT,
                                       nullptr);
            if (got < 0) {
                if (errno != EAGAIN && errno != EINTR)
                    socket_failed("receive");
                return;
            }
            const std::int64_t now = now_ns();
            for (int k = 0; k < got; ++k) {
                const std::span<const char> data(incoming.data() + static_cast<std::size_t>(k) * receive_slot,
                                                 messages[static_cast<std::size_t>(k)].msg_len);
                const auto seq = read_datagram(data, o.size, static_cast<std::uint32_t>(i), bytes);
                if (!seq) {
                    failed.note_data("an echo of " + std::to_string(data.size()) +
                                     " bytes is not a datagram this socket sent");
                    continue;
                }
                std::int64_t latency = 0;
                switch (c.flight.echoed(*seq, now, latency)) {
                case echo_outcome::answered:
                    ++t.echoed;
                    last_echo = now;
                    if (clock_running) {
                        ++t.measured;
                        round_trips.add(latency);
                    }
                    break;
                case echo_outcome::late:
                    ++t.late;
                    break;
                case echo_outcome::unexpected:
                    failed.note_data("datagram " + std::to_string(*seq) + " echoed twice or never sent");
                    break;
                }
            }
            if (static_cast<std::size_t>(got) < o.window)
                return;
        }
    };
    auto unanswered = [&] {
        std::size_t n = 0;
        for (const auto& c : clients)
            n += c.flight.unanswered();
        return n;
    };

    for (std::size_t i = 0; i < clients.size(); ++i)
        top_up(i);
    while (failed.connect == 0) {
        std::int64_t now = now_ns();
        if (clock_running && (now >= deadline || (o.count > 0 && t.measured >= o.count))) {
            clock_running = false; // from here on only the stragglers are awaited
            end = std::min(now, deadline);
        }
        if (!clock_running && unanswered() == 0)
            break;
        if (now - last_echo > timeout_ns) {
            failed.note_stall("no echo within the timeout");
            break;
        }
        // Short waits: losses expire and the windows refill between events.
        for (const auto& e : loop.wait(std::chrono::milliseconds(20)))
            receive(static_cast<std::size_t>(e.data.u64));
        now = now_ns();
        for (std::size_t i = 0; i < clients.size(); ++i) {
            t.lost += clients[i].flight.expire(now - loss_timeout_ns);
            if (clock_running)
                top_up(i);
        }
    }

    // Shorter than --timeout, a run can end with nothing echoed: that is a
    // server that does not answer, not a rate of zero.
    if (t.echoed == 0 && !failed.any())
        failed.note_stall("not one datagram echoed");

    const double seconds = static_cast<double>(end - begin) / 1e9;
    const double per_second = seconds > 0 ? static_cast<double>(t.measured) / seconds : 0.0;
    const double loss_ratio = t.sent > 0 ? static_cast<double>(t.lost) / static_cast<double>(t.sent) : 0.0;
    const percentiles rtt = round_trips.summary();
    result r("udp-rate");
    r.add("sockets", std::uint64_t{o.connections})
        .add("window", std::uint64_t{o.window})
        .add("size", std::uint64_t{o.size})
        .add("seconds", seconds)
        .add("datagrams", t.measured)
        .add("datagrams_per_s", per_second)
        .add("sent", t.sent)
        .add("echoed", t.echoed)
        .add("lost", t.lost)
        .add("late", t.late)
        .add("loss_ratio", fixed(loss_ratio, 6))
        .add(rtt)
        .add("data_errors", failed.data)
        .add("connect_errors", failed.connect);
    char human[768];
    std::snprintf(human, sizeof human,
                  "udp-rate: %llu datagrams of %zu bytes echoed in %.2f s on %u sockets, window %u (%.0f/s); "
                  "round trip p50 %.1f us, p99 %.1f us, max %.1f us; lost %llu of %llu sent (%.4f%%), %llu of them "
                  "echoed late%s%s",
                  static_cast<unsigned long long>(t.measured), o.size, seconds, o.connections, o.window, per_second,
                  rtt.p50_us, rtt.p99_us, rtt.max_us, static_cast<unsigned long long>(t.lost),
                  static_cast<unsigned long long>(t.sent), loss_ratio * 100, static_cast<unsigned long long>(t.late),
                  failed.any() ? "; FAILED: " : "", failed.first.c_str());
    r.print(!failed.any(), human);
    return failed.exit_status();
}

} // namespace bench
