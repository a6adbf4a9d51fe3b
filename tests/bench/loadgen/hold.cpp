// hold: N idle connections, each verified by an echo when opened and again
// at the end, and what holding them costs: the server's PSS (its whole
// process tree, after minus before) and the kernel's memory from
// /proc/meminfo (MemAvailable's drop, all-in; PageTables, Slab, KernelStack),
// each divided by N; and the ramp rate, connections opened and verified per
// second. What a busy-but-idle server (many slow clients) costs in RAM.
//
// One process may open 20,000 descriptors at most on these machines, so the
// connections are held by --workers processes (one per 10,000 by default),
// each from its own block of source addresses, so each has the ephemeral
// ports of its sources to itself. They report through a pipe and take their
// orders (verify again, close) through another. At the end they close in
// batches, one worker after the other, so the server's children do not all
// exit at once, and hold waits until the server has reaped every child.
#include "connect_all.hpp"
#include "connection.hpp"
#include "exchange.hpp"
#include "failures.hpp"
#include "meminfo.hpp"
#include "modes.hpp"
#include "server_memory.hpp"
#include "stats.hpp"

#include "echo/error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

namespace bench {
namespace {

constexpr unsigned connections_per_worker = 10'000;
constexpr unsigned source_addresses_available = 250; // 127.0.0.2 .. 127.0.0.251

// One small echo on every socket, `parallel` at a time in flight. Returns how
// many came back whole.
std::size_t verify_each(std::vector<echo::unique_fd>& sockets, const options& o, const pattern& bytes,
                        failures& failed, std::int64_t give_up_at)
{
    event_loop loop;
    std::vector<exchange> echoes(sockets.size());
    std::vector<char> scratch(4096);
    std::size_t next = 0, pending = 0, verified = 0;
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
            failed.note_stall("verifying echoes: only " + std::to_string(verified) + " answered within --duration");
            break;
        }
        const auto events = loop.wait(o.timeout);
        if (events.empty()) {
            failed.note_stall("verifying echoes: none answered within the timeout (" + std::to_string(verified) +
                              " verified)");
            break;
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
                ++verified;
            } else if (s != step::waiting) {
                failed.note(s, x.error, "verifying echo #" + std::to_string(i));
                return verified;
            }
        }
        launch();
    }
    return verified;
}

// How many connections are no longer open and silent (EOF, reset or
// unexpected bytes); 0 is the only good answer.
std::size_t count_disturbed(const std::vector<echo::unique_fd>& sockets)
{
    event_loop loop;
    for (std::size_t i = 0; i < sockets.size(); ++i)
        if (sockets[i])
            loop.add(sockets[i].get(), EPOLLIN | EPOLLRDHUP, i);
    return loop.wait(std::chrono::milliseconds(0)).size();
}

// What a worker tells the parent: one write(), shorter than PIPE_BUF.
struct worker_report {
    std::uint64_t verified = 0;
    std::uint64_t connect_errors = 0;
    std::uint64_t data_errors = 0;
    std::uint64_t stalled = 0;
    std::uint64_t disturbed = 0;
    char first[1024] = {};
};
static_assert(sizeof(worker_report) < PIPE_BUF);

void send_report(int fd, const failures& failed, std::size_t verified, std::size_t disturbed)
{
    worker_report r;
    r.verified = verified;
    r.connect_errors = failed.connect;
    r.data_errors = failed.data;
    r.stalled = failed.stalled ? 1 : 0;
    r.disturbed = disturbed;
    std::snprintf(r.first, sizeof r.first, "%s", failed.first.c_str());
    while (::write(fd, &r, sizeof r) < 0 && errno == EINTR) {
    }
}

void close_in_batches(std::vector<echo::unique_fd>& sockets, const options& o)
{
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        sockets[i].reset();
        if ((i + 1) % o.close_batch == 0 && i + 1 < sockets.size())
            std::this_thread::sleep_for(o.close_pause);
    }
}

// A worker: opens and verifies its share, reports, then obeys the parent:
// 'v' verify every connection again (and report), 'c' close in batches and
// exit. A parent that goes away (EOF) ends it too.
[[noreturn]] void run_worker(const options& o, const sock_address& target, unsigned share, unsigned first_source,
                             unsigned source_count, int report_fd, int command_fd, std::int64_t give_up_at)
{
    // An interrupt (Ctrl-C reaches the whole process group) ends the parent;
    // the worker sees its command pipe close and closes in batches, as at
    // the end of a run, instead of dropping every connection at once.
    std::signal(SIGINT, SIG_IGN);
    const pattern bytes;
    std::vector<echo::unique_fd> sockets;
    try {
        source_addresses sources(target.family(), source_count, first_source);
        failures failed;
        sockets = connect_all(target, sources, share, o.parallel, o.timeout, failed, give_up_at);
        const std::size_t verified = failed.any() ? 0 : verify_each(sockets, o, bytes, failed, give_up_at);
        send_report(report_fd, failed, verified, 0);
        char command = 0;
        while (::read(command_fd, &command, 1) == 1 && command == 'v') {
            failures again;
            const std::size_t disturbed = count_disturbed(sockets);
            if (disturbed > 0)
                again.note_data(std::to_string(disturbed) + " idle connections were closed or sent bytes");
            const std::int64_t limit = now_ns() + std::chrono::nanoseconds(o.duration).count();
            const std::size_t again_verified = again.any() ? 0 : verify_each(sockets, o, bytes, again, limit);
            send_report(report_fd, again, again_verified, disturbed);
        }
        close_in_batches(sockets, o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo-bench hold worker: %s\n", e.what());
        _exit(exit_os_error);
    }
    _exit(exit_ok);
}

struct worker {
    pid_t pid = -1;
    unsigned connections = 0;
    echo::unique_fd reports;  // read end
    echo::unique_fd commands; // write end
};

// Reads one report, waiting until `give_up_at`; false if the worker ended or
// said nothing in time (noted in `failed`).
bool read_report(worker& w, worker_report& r, std::int64_t give_up_at, failures& failed)
{
    for (;;) {
        const std::int64_t left_ms = std::max<std::int64_t>(0, (give_up_at - now_ns()) / 1'000'000);
        pollfd p{w.reports.get(), POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left_ms, 1'000'000)));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0) {
            failed.note_stall("a worker said nothing within the time limit");
            return false;
        }
        const ssize_t got = ::read(w.reports.get(), &r, sizeof r);
        if (got < 0 && errno == EINTR)
            continue;
        if (got != static_cast<ssize_t>(sizeof r)) {
            failed.note_connect("worker " + std::to_string(w.pid) + " ended early");
            return false;
        }
        return true;
    }
}

// Adds a worker's report to the run's counts; returns the verified count.
std::uint64_t merge(const worker_report& r, failures& failed)
{
    failed.data += r.data_errors;
    failed.connect += r.connect_errors;
    failed.stalled = failed.stalled || r.stalled != 0;
    if (failed.first.empty() && r.first[0] != '\0')
        failed.first = r.first;
    return r.verified;
}

void send_command(worker& w, char command)
{
    if (w.commands)
        while (::write(w.commands.get(), &command, 1) < 0 && errno == EINTR) {
        }
}

std::uint64_t read_number(const char* path)
{
    std::ifstream in(path);
    std::uint64_t value = 0;
    in >> value;
    return value;
}

// Tasks (processes and threads) the machine runs now: 4th field of /proc/loadavg.
std::uint64_t tasks_now()
{
    std::ifstream in("/proc/loadavg");
    std::string a, b, c, running;
    in >> a >> b >> c >> running;
    const auto slash = running.find('/');
    return slash == std::string::npos ? 0 : std::strtoull(running.c_str() + slash + 1, nullptr, 10);
}

// A fork-per-connection server needs a PID (and a task) per connection: say
// so before the ramp runs into fork()'s EAGAIN half-way.
void warn_about_task_limits(const options& o)
{
    const std::uint64_t needed = tasks_now() + o.connections + o.workers + 64;
    const std::uint64_t pid_max = read_number("/proc/sys/kernel/pid_max");
    const std::uint64_t threads_max = read_number("/proc/sys/kernel/threads-max");
    if (pid_max != 0 && needed > pid_max)
        std::fprintf(stderr,
                     "echo-bench hold: kernel.pid_max is %llu, and a server forking per connection needs about "
                     "%llu PIDs now: raise it for the run (tests/bench/compare does)\n",
                     static_cast<unsigned long long>(pid_max), static_cast<unsigned long long>(needed));
    if (threads_max != 0 && needed > threads_max)
        std::fprintf(stderr, "echo-bench hold: kernel.threads-max is %llu, below the %llu tasks needed\n",
                     static_cast<unsigned long long>(threads_max), static_cast<unsigned long long>(needed));
}

double per_connection(std::int64_t kib, unsigned connections)
{
    return static_cast<double>(kib) / static_cast<double>(connections);
}

} // namespace

int run_hold(const options& given)
{
    options o = given;
    if (o.workers == 0)
        o.workers = (o.connections + connections_per_worker - 1) / connections_per_worker;
    // --parallel is what the whole run has in flight, shared by the workers:
    // ten workers with 256 each put 2,560 SYNs at a forking server at once,
    // past its listen backlog, and the resets measured the load generator.
    o.parallel = std::max(1u, o.parallel / o.workers);
    const auto target = target_address(o.host, o.port);
    const unsigned sources_each = std::max(1u, std::min(o.sources, source_addresses_available / o.workers));
    failures failed;
    warn_about_task_limits(o);

    const std::size_t children_before = children_of(o.server_pid).size();
    const tree_memory before = measure_tree(o.server_pid);
    if (before.processes == 0)
        throw usage_error("no process " + std::to_string(o.server_pid) + " to measure");
    const kernel_memory kernel_before = read_meminfo();

    // --duration bounds the ramp: a server that accepts a few connections a
    // second must not hold the benchmark up for minutes.
    const std::int64_t begin = now_ns();
    const std::int64_t give_up_at = begin + std::chrono::nanoseconds(o.duration).count();
    std::vector<worker> workers(o.workers);
    std::fflush(stdout);
    for (unsigned i = 0; i < o.workers; ++i) {
        worker& w = workers[i];
        w.connections = o.connections / o.workers + (i < o.connections % o.workers ? 1 : 0);
        int reports[2], commands[2];
        if (::pipe2(reports, O_CLOEXEC) < 0 || ::pipe2(commands, O_CLOEXEC) < 0)
            echo::throw_errno("pipe");
        const pid_t pid = ::fork();
        if (pid < 0)
            echo::throw_errno("fork");
        if (pid == 0) {
            ::close(reports[0]);
            ::close(commands[1]);
            for (unsigned j = 0; j < i; ++j) { // the earlier workers' pipes are not this one's
                workers[j].reports.reset();
                workers[j].commands.reset();
            }
            run_worker(o, target, w.connections, i * sources_each, sources_each, reports[1], commands[0],
                       give_up_at);
        }
        w.pid = pid;
        w.reports.reset(reports[0]);
        w.commands.reset(commands[1]);
        ::close(reports[1]);
        ::close(commands[0]);
    }

    const std::int64_t report_deadline = give_up_at + 2 * std::chrono::nanoseconds(o.timeout).count();
    std::uint64_t verified_start = 0;
    for (worker& w : workers) {
        worker_report r;
        if (read_report(w, r, report_deadline, failed))
            verified_start += merge(r, failed);
    }
    const double ramp_seconds = static_cast<double>(now_ns() - begin) / 1e9;
    const double ramp_rate = ramp_seconds > 0 ? static_cast<double>(verified_start) / ramp_seconds : 0.0;

    tree_memory after;
    kernel_memory kernel_after;
    std::uint64_t loadgen_pss_kib = 0, verified_end = 0, disturbed = 0;
    if (!failed.any()) {
        std::this_thread::sleep_for(o.settle);
        kernel_after = read_meminfo();
        after = measure_tree(o.server_pid);
        for (const worker& w : workers)
            loadgen_pss_kib += pss_kib_of(w.pid);
        // Every connection still there, and still echoing.
        for (worker& w : workers)
            send_command(w, 'v');
        const std::int64_t deadline = now_ns() + std::chrono::nanoseconds(o.duration + 2 * o.timeout).count();
        for (worker& w : workers) {
            worker_report r;
            if (read_report(w, r, deadline, failed)) {
                verified_end += merge(r, failed);
                disturbed += r.disturbed;
            }
        }
    }

    // Close, one worker after the other, each in batches; then the server
    // must reap every child it made (no zombies left) within --drain.
    const std::int64_t closing = now_ns();
    for (worker& w : workers) {
        send_command(w, 'c');
        w.commands.reset();
        int status = 0;
        while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != exit_ok)
            failed.note_connect("worker " + std::to_string(w.pid) + " failed");
    }
    const std::int64_t drain_until = now_ns() + std::chrono::nanoseconds(o.drain).count();
    std::size_t children_left = children_of(o.server_pid).size();
    while (children_left > children_before && now_ns() < drain_until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        children_left = children_of(o.server_pid).size();
    }
    const double drain_seconds = static_cast<double>(now_ns() - closing) / 1e9;
    if (children_left > children_before)
        failed.note_stall("the server still has " + std::to_string(children_left) + " children (" +
                          std::to_string(children_before) + " before) after --drain");
    // What came back once everything closed: a second reading of the cost,
    // which tells how much the rest of the machine moved meanwhile.
    const kernel_memory kernel_released = read_meminfo();

    const bool ok = !failed.any() && verified_start == o.connections && verified_end == o.connections;
    const kernel_memory taken = memory_taken(kernel_before, kernel_after);
    const std::int64_t given_back = kernel_released.mem_available_kib - kernel_after.mem_available_kib;
    const unsigned n = o.connections;
    const double pss_per_connection =
        ok ? (static_cast<double>(after.pss_kib) - static_cast<double>(before.pss_kib)) / n : 0.0;
    const std::uint64_t refused = failed.connect;
    const std::uint64_t broken = failed.data + (failed.stalled ? 1 : 0) +
                                 (failed.any() ? 0 : (2ull * n - verified_start - verified_end));
    result r("hold");
    r.add("connections", std::uint64_t{n})
        .add("workers", std::uint64_t{o.workers})
        .add("sources", std::uint64_t{sources_each * o.workers})
        .add("ramp_s", ramp_seconds)
        .add("ramp_conn_per_s", ramp_rate)
        .add("pss_before_kib", before.pss_kib)
        .add("pss_after_kib", after.pss_kib)
        .add("processes_before", before.processes)
        .add("processes_after", after.processes)
        .add("pss_per_conn_kib", pss_per_connection)
        .add("memavail_drop_per_conn_kib", ok ? per_connection(taken.mem_available_kib, n) : 0.0)
        .add("pagetables_per_conn_kib", ok ? per_connection(taken.page_tables_kib, n) : 0.0)
        .add("slab_per_conn_kib", ok ? per_connection(taken.slab_kib, n) : 0.0)
        .add("kernelstack_per_conn_kib", ok ? per_connection(taken.kernel_stack_kib, n) : 0.0)
        .add("memavail_back_per_conn_kib", ok ? per_connection(given_back, n) : 0.0)
        .add("loadgen_pss_per_conn_kib", ok ? static_cast<double>(loadgen_pss_kib) / n : 0.0)
        .add("verified_start", verified_start)
        .add("verified_end", verified_end)
        .add("disturbed", disturbed)
        .add("refused", refused)
        .add("failed", broken)
        .add("drain_s", drain_seconds)
        .add("children_left", static_cast<std::uint64_t>(children_left - std::min(children_left, children_before)))
        .add("data_errors", failed.data)
        .add("connect_errors", failed.connect)
        .add("stalled", std::uint64_t{failed.stalled ? 1u : 0u});
    char human[1400];
    std::snprintf(human, sizeof human,
                  "hold: %u idle connections from %u workers, verified at the start and the end, ramp %.2f s "
                  "(%.0f/s); per connection: MemAvailable -%.1f KiB all-in (%.1f KiB back after closing), "
                  "PageTables %.1f, Slab %.1f, KernelStack %.1f, server PSS %.1f KiB (%llu -> %llu KiB over "
                  "%llu -> %llu processes), load generator PSS %.1f; refused %llu, failed %llu; server reaped "
                  "its children %.1f s after the close began%s%s",
                  n, o.workers, ramp_seconds, ramp_rate,
                  ok ? per_connection(taken.mem_available_kib, n) : 0.0, ok ? per_connection(given_back, n) : 0.0,
                  ok ? per_connection(taken.page_tables_kib, n) : 0.0, ok ? per_connection(taken.slab_kib, n) : 0.0,
                  ok ? per_connection(taken.kernel_stack_kib, n) : 0.0, pss_per_connection,
                  static_cast<unsigned long long>(before.pss_kib), static_cast<unsigned long long>(after.pss_kib),
                  static_cast<unsigned long long>(before.processes), static_cast<unsigned long long>(after.processes),
                  ok ? static_cast<double>(loadgen_pss_kib) / n : 0.0, static_cast<unsigned long long>(refused),
                  static_cast<unsigned long long>(broken), drain_seconds, ok ? "" : "; FAILED: ",
                  ok ? "" : (failed.first.empty() ? "not every connection was verified twice" : failed.first.c_str()));
    r.print(ok, human);
    if (!ok && !failed.any())
        return exit_unreachable;
    return failed.exit_status();
}

} // namespace bench
