// latency: N persistent connections, each sending one SIZE-byte message and
// waiting for its whole echo before the next (ping-pong). Measures round-trip
// time; with small messages it exposes Nagle/delayed-ACK stalls and
// per-message overhead rather than bandwidth.
//
// With --interval a connection sends its next message on a schedule (one
// per interval) instead of at once: between round trips the CPUs may idle,
// and a round trip then includes waking them, as a prober's does (echo-client
// --ping); a busy loop never lets them idle and measures less.
//
// Every connection first makes one unmeasured round trip (warm-up), and the
// clock starts when all have: a server still accepting or forking for some
// connections would otherwise be measured on fewer of them, with better-looking
// figures. (tcpserver + cat took 14 s to answer its last connections in one
// run, and its p50 over the others came out at a third of the rest.)
#include "connect_all.hpp"
#include "connection.hpp"
#include "exchange.hpp"
#include "failures.hpp"
#include "modes.hpp"
#include "stats.hpp"

#include "echo/error.hpp"
#include "echo/unique_fd.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <limits>

namespace bench {

int run_latency(const options& o)
{
    if (o.size > pattern::max_slice)
        throw usage_error("latency: --size must be at most 262144");
    const auto target = target_address(o.host, o.port);
    source_addresses sources(target.family(), o.sources);
    raise_descriptor_limit(o.connections + 64);
    const pattern bytes;
    failures failed;
    auto sockets = connect_all(target, sources, o.connections, 256, o.timeout, failed);

    event_loop loop;
    std::vector<exchange> echoes(sockets.size());
    std::vector<std::int64_t> sent_at(sockets.size());
    std::vector<char> scratch(64 * 1024);
    latencies round_trips;
    std::uint64_t started = 0;
    std::size_t active = 0;
    const std::int64_t connected = now_ns();
    bool warming_up = true;
    std::size_t warmed_up = 0;
    std::int64_t begin = connected;
    std::int64_t deadline = begin;
    std::int64_t last_done = begin;

    auto may_start = [&] { return now_ns() < deadline && (o.count == 0 || started < o.count); };
    auto close_one = [&](std::size_t i) {
        sockets[i].reset();
        --active;
    };
    // --interval: when each connection may send next, and a timer for the
    // earliest (epoll's millisecond timeout is too coarse for it).
    constexpr std::uint64_t timer_tag = std::numeric_limits<std::uint64_t>::max();
    constexpr std::int64_t not_due = std::numeric_limits<std::int64_t>::max();
    const std::int64_t interval_ns = std::chrono::nanoseconds(o.interval).count();
    std::vector<std::int64_t> due_at(sockets.size(), not_due);
    echo::unique_fd timer;
    if (interval_ns > 0) {
        timer.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
        if (!timer)
            echo::throw_errno("timerfd_create");
        loop.add(timer.get(), EPOLLIN, timer_tag);
    }
    auto arm_timer = [&] {
        const std::int64_t next = *std::min_element(due_at.begin(), due_at.end());
        itimerspec when{};
        if (next != not_due) { // else disarmed
            when.it_value.tv_sec = static_cast<time_t>(next / 1'000'000'000);
            when.it_value.tv_nsec = static_cast<long>(next % 1'000'000'000);
            if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0)
                when.it_value.tv_nsec = 1;
        }
        if (::timerfd_settime(timer.get(), TFD_TIMER_ABSTIME, &when, nullptr) != 0)
            echo::throw_errno("timerfd_settime");
    };

    auto ping = [&](std::size_t i) {
        echoes[i].restart(started * 64 + i, o.size);
        ++started;
        sent_at[i] = now_ns();
        const step s = echoes[i].send_some(sockets[i].get(), bytes);
        if (s == step::failed) {
            failed.note(s, echoes[i].error, "send");
            close_one(i);
            return;
        }
        loop.modify(sockets[i].get(), echoes[i].all_sent() ? EPOLLIN : EPOLLIN | EPOLLOUT, i);
    };

    if (!failed.any()) {
        for (std::size_t i = 0; i < sockets.size(); ++i) {
            loop.add(sockets[i].get(), EPOLLIN, i);
            ++active;
        }
        for (std::size_t i = 0; i < sockets.size(); ++i)
            ping(i);
    }
    while (active > 0 && !failed.any()) {
        const auto events = loop.wait(o.timeout);
        if (events.empty()) {
            failed.note_stall("no echo within the timeout");
            break;
        }
        for (const auto& e : events) {
            if (e.data.u64 == timer_tag) {
                std::uint64_t expirations = 0;
                if (::read(timer.get(), &expirations, sizeof expirations) < 0 && errno != EAGAIN)
                    echo::throw_errno("read timerfd");
                const std::int64_t now = now_ns();
                for (std::size_t j = 0; j < sockets.size(); ++j)
                    if (due_at[j] <= now) {
                        due_at[j] = not_due;
                        if (sockets[j] && may_start())
                            ping(j);
                        else if (sockets[j])
                            close_one(j);
                    }
                arm_timer();
                continue;
            }
            const auto i = static_cast<std::size_t>(e.data.u64);
            if (!sockets[i])
                continue;
            exchange& x = echoes[i];
            step s = x.all_sent() ? step::waiting : x.send_some(sockets[i].get(), bytes);
            if (s == step::waiting)
                s = x.receive_some(sockets[i].get(), bytes, scratch);
            if (s == step::done && warming_up) {
                loop.modify(sockets[i].get(), EPOLLIN, i);
                if (++warmed_up < active)
                    continue; // waits for the others
                warming_up = false;
                started = 0;
                begin = last_done = now_ns();
                deadline = begin + std::chrono::nanoseconds(o.duration).count();
                for (std::size_t j = 0; j < sockets.size(); ++j)
                    if (sockets[j])
                        ping(j);
            } else if (s == step::done) {
                last_done = now_ns();
                round_trips.add(last_done - sent_at[i]);
                if (!may_start())
                    close_one(i);
                else if (interval_ns > 0 && sent_at[i] + interval_ns > last_done) {
                    due_at[i] = sent_at[i] + interval_ns;
                    arm_timer();
                } else
                    ping(i);
            } else if (s != step::waiting) {
                failed.note(s, x.error, "round trip");
                close_one(i);
            } else if (x.all_sent()) {
                loop.modify(sockets[i].get(), EPOLLIN, i);
            }
        }
    }

    const double seconds = static_cast<double>(last_done - begin) / 1e9;
    const auto count = static_cast<std::uint64_t>(round_trips.count());
    const double per_second = seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
    const percentiles rtt = round_trips.summary();
    result r("latency");
    r.add("connections", std::uint64_t{o.connections})
        .add("size", std::uint64_t{o.size})
        .add("warmup_s", static_cast<double>(begin - connected) / 1e9)
        .add("round_trips", count)
        .add("round_trips_per_s", per_second)
        .add(rtt)
        .add("data_errors", failed.data)
        .add("connect_errors", failed.connect);
    char human[512];
    std::snprintf(human, sizeof human,
                  "latency: %llu round trips of %zu bytes on %u connections (%.0f/s); p50 %.1f us, p99 %.1f us, "
                  "max %.1f us%s%s",
                  static_cast<unsigned long long>(count), o.size, o.connections, per_second, rtt.p50_us, rtt.p99_us,
                  rtt.max_us, failed.any() ? "; FAILED: " : "", failed.first.c_str());
    r.print(!failed.any(), human);
    return failed.exit_status();
}

} // namespace bench
