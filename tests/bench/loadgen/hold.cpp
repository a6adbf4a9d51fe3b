// hold: N idle connections, each proven alive with one small echo, then the
// server's memory per connection: PSS of its whole process tree with the
// connections open minus before them, divided by N. What a busy-but-idle
// server (many slow clients) costs in RAM.
#include "connect_all.hpp"
#include "connection.hpp"
#include "exchange.hpp"
#include "failures.hpp"
#include "modes.hpp"
#include "server_memory.hpp"
#include "stats.hpp"

#include <cstdio>
#include <thread>

namespace bench {
namespace {

// One small echo on every socket, `parallel` at a time in flight.
void verify_each(std::vector<echo::unique_fd>& sockets, const options& o, const pattern& bytes, failures& failed,
                 std::int64_t give_up_at)
{
    event_loop loop;
    std::vector<exchange> echoes(sockets.size());
    std::vector<char> scratch(4096);
    std::size_t next = 0, pending = 0;
    auto launch = [&] {
        while (pending < o.parallel && next < sockets.size() && !failed.any()) {
            const std::size_t i = next++;
            echoes[i].restart(i * 31, o.size);
            const step s = echoes[i].send_some(sockets[i].get(), bytes);
            if (s == step::failed) {
                failed.note(s, echoes[i].error, "verifying echo");
                return;
            }
            loop.add(sockets[i].get(), echoes[i].all_sent() ? EPOLLIN : EPOLLIN | EPOLLOUT, i);
            ++pending;
        }
    };
    launch();
    while (pending > 0 && !failed.any()) {
        if (now_ns() > give_up_at) {
            failed.note_stall("verifying echoes: only " + std::to_string(next - pending) +
                              " answered within --duration");
            return;
        }
        const auto events = loop.wait(o.timeout);
        if (events.empty()) {
            failed.note_stall("verifying echoes: none answered within the timeout (" +
                              std::to_string(next - pending) + " verified)");
            return;
        }
        for (const auto& e : events) {
            const auto i = static_cast<std::size_t>(e.data.u64);
            exchange& x = echoes[i];
            step s = x.all_sent() ? step::waiting : x.send_some(sockets[i].get(), bytes);
            if (s == step::waiting)
                s = x.receive_some(sockets[i].get(), bytes, scratch);
            if (s == step::done) {
                loop.remove(sockets[i].get());
                --pending;
            } else if (s != step::waiting) {
                failed.note(s, x.error, "verifying echo #" + std::to_string(i));
                return;
            }
        }
        launch();
    }
}

// How many connections are no longer open and silent (EOF, reset or
// unexpected bytes) after the measurement; 0 is the only good answer.
std::size_t count_disturbed(const std::vector<echo::unique_fd>& sockets)
{
    event_loop loop;
    for (std::size_t i = 0; i < sockets.size(); ++i)
        loop.add(sockets[i].get(), EPOLLIN | EPOLLRDHUP, i);
    return loop.wait(std::chrono::milliseconds(0)).size();
}

} // namespace

int run_hold(const options& o)
{
    const auto target = target_address(o.host, o.port);
    source_addresses sources(target.family(), o.sources);
    raise_descriptor_limit(o.connections + 64);
    const pattern bytes;
    failures failed;

    const tree_memory before = measure_tree(o.server_pid);
    if (before.processes == 0)
        throw usage_error("no process " + std::to_string(o.server_pid) + " to measure");

    // --duration bounds the ramp: a server that accepts a few connections a
    // second must not hold the benchmark up for minutes.
    const std::int64_t begin = now_ns();
    const std::int64_t give_up_at = begin + std::chrono::nanoseconds(o.duration).count();
    auto sockets = connect_all(target, sources, o.connections, o.parallel, o.timeout, failed, give_up_at);
    if (!failed.any())
        verify_each(sockets, o, bytes, failed, give_up_at);
    const double ramp_seconds = static_cast<double>(now_ns() - begin) / 1e9;

    tree_memory after;
    std::size_t disturbed = 0;
    if (!failed.any()) {
        std::this_thread::sleep_for(o.settle);
        after = measure_tree(o.server_pid);
        disturbed = count_disturbed(sockets);
        if (disturbed > 0)
            failed.note_data(std::to_string(disturbed) + " idle connections were closed or sent bytes");
    }

    const double per_connection = failed.any() ? 0.0
                                               : (static_cast<double>(after.pss_kib) -
                                                  static_cast<double>(before.pss_kib)) /
                                                     static_cast<double>(o.connections);
    result r("hold");
    r.add("connections", std::uint64_t{o.connections})
        .add("ramp_s", ramp_seconds)
        .add("pss_before_kib", before.pss_kib)
        .add("pss_after_kib", after.pss_kib)
        .add("processes_before", before.processes)
        .add("processes_after", after.processes)
        .add("pss_per_conn_kib", per_connection)
        .add("data_errors", failed.data)
        .add("connect_errors", failed.connect)
        .add("stalled", std::uint64_t{failed.stalled ? 1u : 0u});
    char human[640];
    std::snprintf(human, sizeof human,
                  "hold: %u idle connections verified in %.2f s; server PSS %llu -> %llu KiB over %llu -> %llu "
                  "processes = %.1f KiB per connection%s%s",
                  o.connections, ramp_seconds, static_cast<unsigned long long>(before.pss_kib),
                  static_cast<unsigned long long>(after.pss_kib), static_cast<unsigned long long>(before.processes),
                  static_cast<unsigned long long>(after.processes), per_connection,
                  failed.any() ? "; FAILED: " : "", failed.first.c_str());
    r.print(!failed.any(), human);
    return failed.exit_status();
}

} // namespace bench
