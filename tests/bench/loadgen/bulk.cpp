// bulk: K connections, each sending an endless pattern stream while reading
// the echo back at the same time, every byte checked against the pattern.
// Measures throughput (MB/s echoed, 10^6 bytes) and catches servers that
// deadlock when both directions are full at once.
#include "connect_all.hpp"
#include "connection.hpp"
#include "failures.hpp"
#include "modes.hpp"
#include "pattern.hpp"
#include "stats.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bench {
namespace {

struct stream {
    echo::unique_fd fd;
    std::uint64_t phase = 0; // pattern offset of byte 0, different per connection
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    bool sending = true;
    bool eof = false;
};

// Sends until the socket is full. Returns false on a socket error.
bool pump_out(stream& s, const pattern& bytes, std::size_t chunk, failures& failed)
{
    while (s.sending) {
        const ssize_t put = ::send(s.fd.get(), bytes.bytes(s.phase + s.sent), chunk, MSG_NOSIGNAL);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return true;
            failed.note_connect(std::string("send: ") + std::strerror(errno));
            return false;
        }
        s.sent += static_cast<std::uint64_t>(put);
    }
    return true;
}

// Reads and verifies until the socket is empty. Returns false on any failure.
bool pump_in(stream& s, const pattern& bytes, std::span<char> scratch, failures& failed)
{
    for (;;) {
        const ssize_t got = ::recv(s.fd.get(), scratch.data(), scratch.size(), 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return true;
            failed.note_connect(std::string("recv: ") + std::strerror(errno));
            return false;
        }
        if (got == 0) {
            s.eof = true;
            if (s.received != s.sent) {
                failed.note_data("server closed with " + std::to_string(s.sent - s.received) +
                                 " bytes not echoed");
                return false;
            }
            return true;
        }
        const auto n = static_cast<std::size_t>(got);
        if (s.received + n > s.sent) {
            failed.note_data("more bytes echoed than sent");
            return false;
        }
        if (!bytes.matches(s.phase + s.received, scratch.first(n))) {
            failed.note_data("corrupted echo at byte " + std::to_string(s.received));
            return false;
        }
        s.received += n;
    }
}

} // namespace

int run_bulk(const options& o)
{
    const std::size_t chunk = std::min(o.size, pattern::max_slice);
    const auto target = target_address(o.host, o.port);
    source_addresses sources(target.family(), o.sources);
    raise_descriptor_limit(o.connections + 64);
    const pattern bytes;
    failures failed;
    auto sockets = connect_all(target, sources, o.connections, 256, o.timeout, failed);

    std::vector<stream> streams(sockets.size());
    event_loop loop;
    std::vector<char> scratch(pattern::max_slice);
    if (!failed.any()) {
        for (std::size_t i = 0; i < streams.size(); ++i) {
            streams[i].fd = std::move(sockets[i]);
            streams[i].phase = i * 104729;
            loop.add(streams[i].fd.get(), EPOLLIN | EPOLLOUT | EPOLLET, i);
        }
    }

    const std::int64_t begin = now_ns();
    const std::int64_t deadline = begin + std::chrono::nanoseconds(o.duration).count();
    std::uint64_t received_by_deadline = 0;
    std::int64_t measured_end = 0;
    std::size_t open = failed.any() ? 0 : streams.size();

    auto total_received = [&] {
        std::uint64_t sum = 0;
        for (const auto& s : streams)
            sum += s.received;
        return sum;
    };
    // After the deadline each connection stops sending and half-closes; the
    // server must then echo the rest and close. That drain is checked, not timed.
    auto stop_sending = [&] {
        received_by_deadline = total_received();
        measured_end = now_ns();
        for (auto& s : streams) {
            s.sending = false;
            if (s.fd)
                ::shutdown(s.fd.get(), SHUT_WR);
        }
    };

    while (open > 0 && !failed.any()) {
        const std::int64_t now = now_ns();
        if (measured_end == 0 && now >= deadline)
            stop_sending();
        const auto wait_for = measured_end == 0 ? std::min(o.timeout, std::chrono::milliseconds(
                                                                          (deadline - now) / 1'000'000 + 1))
                                                : o.timeout;
        const std::uint64_t before = total_received();
        const auto events = loop.wait(wait_for);
        if (events.empty() && total_received() == before && (measured_end != 0 || now_ns() < deadline)) {
            std::uint64_t outstanding = 0;
            for (const auto& s : streams)
                outstanding += s.sent - s.received;
            failed.note_stall("stalled: no echo for the timeout with " + std::to_string(outstanding) +
                              " bytes outstanding");
            break;
        }
        for (const auto& e : events) {
            stream& s = streams[static_cast<std::size_t>(e.data.u64)];
            if (!s.fd)
                continue;
            bool ok = true;
            if (e.events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                ok = pump_in(s, bytes, scratch, failed);
            if (ok && (e.events & EPOLLOUT))
                ok = pump_out(s, bytes, chunk, failed);
            if (!ok)
                break;
            if (s.eof) {
                s.fd.reset();
                --open;
            }
        }
    }
    if (measured_end == 0) { // ended early by a failure
        received_by_deadline = total_received();
        measured_end = now_ns();
    }

    const double seconds = static_cast<double>(measured_end - begin) / 1e9;
    const double mb_per_s = seconds > 0 ? static_cast<double>(received_by_deadline) / 1e6 / seconds : 0.0;
    std::uint64_t verified = total_received();
    result r("bulk");
    r.add("connections", std::uint64_t{o.connections})
        .add("chunk", std::uint64_t{chunk})
        .add("bytes_verified", verified)
        .add("mb_per_s", mb_per_s)
        .add("data_errors", failed.data)
        .add("connect_errors", failed.connect)
        .add("stalled", std::uint64_t{failed.stalled ? 1u : 0u});
    char human[512];
    std::snprintf(human, sizeof human,
                  "bulk: %.1f MB/s echoed on %u connection(s) both ways at once, %llu bytes verified%s%s", mb_per_s,
                  o.connections, static_cast<unsigned long long>(verified), failed.any() ? "; FAILED: " : "",
                  failed.first.c_str());
    r.print(!failed.any(), human);
    return failed.exit_status();
}

} // namespace bench
