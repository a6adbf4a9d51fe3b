// rate: C clients, each looping connect, echo SIZE bytes, verify, close, as
// fast as the server lets them. Measures what a fork-per-connection server
// pays per connection: sessions/s and session latency (connect to verified).
#include "connection.hpp"
#include "exchange.hpp"
#include "failures.hpp"
#include "modes.hpp"
#include "stats.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

namespace bench {
namespace {

struct client {
    echo::unique_fd fd;
    exchange echo;
    std::int64_t started = 0;
    bool connecting = false;
};

} // namespace

int run_rate(const options& o)
{
    if (o.size > pattern::max_slice)
        throw usage_error("rate: --size must be at most 262144");
    const auto target = target_address(o.host, o.port);
    source_addresses sources(target.family(), o.sources);
    raise_descriptor_limit(o.connections + 64);
    const pattern bytes;
    event_loop loop;
    std::vector<client> clients(o.connections);
    std::vector<char> scratch(64 * 1024);
    latencies session_times;
    failures failed;
    std::uint64_t started = 0;
    std::size_t active = 0;

    const std::int64_t begin = now_ns();
    const std::int64_t deadline = begin + std::chrono::nanoseconds(o.duration).count();
    std::int64_t last_done = begin;

    auto may_start = [&] { return now_ns() < deadline && (o.count == 0 || started < o.count); };

    auto finish = [&](client& c) {
        c.fd.reset(); // close() also takes it out of the epoll set
        --active;
    };

    // Sends the request once connected; the reply is awaited on EPOLLIN.
    auto on_connected = [&](client& c, std::size_t index) {
        c.connecting = false;
        const step s = c.echo.send_some(c.fd.get(), bytes);
        if (s == step::failed) {
            failed.note(s, c.echo.error, "send");
            finish(c);
            return;
        }
        loop.modify(c.fd.get(), c.echo.all_sent() ? EPOLLIN : EPOLLIN | EPOLLOUT, index);
    };

    auto start = [&](std::size_t index) {
        client& c = clients[index];
        c.echo.restart(started * 7919, o.size);
        ++started;
        c.started = now_ns();
        try {
            auto attempt = start_connect(target, sources.next());
            c.fd = std::move(attempt.fd);
            ++active;
            c.connecting = !attempt.connected;
            loop.add(c.fd.get(), EPOLLOUT, index);
            if (attempt.connected)
                on_connected(c, index);
        } catch (const std::system_error& e) {
            failed.note_connect(e.what());
        }
    };

    for (std::size_t i = 0; i < clients.size(); ++i)
        start(i);

    while (active > 0) {
        const auto events = loop.wait(o.timeout);
        if (events.empty() && active > 0) {
            failed.note_stall("no progress for the timeout with " + std::to_string(active) + " sessions open");
            break;
        }
        for (const auto& e : events) {
            const auto index = static_cast<std::size_t>(e.data.u64);
            client& c = clients[index];
            if (!c.fd)
                continue;
            if (c.connecting) {
                if (const int err = connect_result(c.fd.get()); err != 0) {
                    failed.note_connect(std::string("connect: ") + std::strerror(err));
                    finish(c);
                } else {
                    on_connected(c, index);
                }
            } else {
                step s = c.echo.all_sent() ? step::waiting : c.echo.send_some(c.fd.get(), bytes);
                if (s == step::waiting)
                    s = c.echo.receive_some(c.fd.get(), bytes, scratch);
                if (s == step::done) {
                    last_done = now_ns();
                    session_times.add(last_done - c.started);
                    finish(c);
                } else if (s != step::waiting) {
                    failed.note(s, c.echo.error, "session");
                    finish(c);
                } else if (c.echo.all_sent()) {
                    loop.modify(c.fd.get(), EPOLLIN, index);
                }
            }
            if (!c.fd && may_start())
                start(index);
        }
        // Clients whose start failed outright get another go while time is left.
        for (std::size_t i = 0; i < clients.size() && active < clients.size(); ++i)
            if (!clients[i].fd && may_start())
                start(i);
    }

    const double seconds = static_cast<double>(last_done - begin) / 1e9;
    const auto sessions = static_cast<std::uint64_t>(session_times.count());
    const double per_second = seconds > 0 ? static_cast<double>(sessions) / seconds : 0.0;
    const percentiles latency = session_times.summary();
    result r("rate");
    r.add("clients", std::uint64_t{o.connections})
        .add("size", std::uint64_t{o.size})
        .add("sessions", sessions)
        .add("sessions_per_s", per_second)
        .add(latency)
        .add("data_errors", failed.data)
        .add("connect_errors", failed.connect);
    char human[512];
    std::snprintf(human, sizeof human,
                  "rate: %llu sessions in %.2f s = %.0f sessions/s; session latency p50 %.0f us, p99 %.0f us, "
                  "max %.0f us%s%s",
                  static_cast<unsigned long long>(sessions), seconds, per_second, latency.p50_us, latency.p99_us,
                  latency.max_us, failed.any() ? "; FAILED: " : "", failed.first.c_str());
    r.print(!failed.any(), human);
    return failed.exit_status();
}

} // namespace bench
