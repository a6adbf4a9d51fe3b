// The chaos soak (issue 13): a mixed load (see mixed_load.hpp) runs against
// echod while the test, at random, SIGKILLs serving children, reloads a
// configuration that flips the limits and the log level, stops the parent
// for 2 s, takes its descriptors away for a second and makes fork() fail for
// a second. Checked throughout, printed as figures at the end:
//  - no session ever gets a wrong byte back, none hangs; a session the
//    server ended early got an exact prefix (a cut) or nothing (a refusal);
//  - every cut is explained by a kill (no idle timeout is short enough to
//    fire), and, fork per connection, every session the server ended early
//    is in the log: a refusal or fork-failure line of its own, a "(N more
//    like this suppressed)" of the rate limit, or a kill;
//  - every kill is in the log, and no child dies of anything else;
//  - no zombie outlives a step by more than 5 s; none is left at the end;
//  - the parent's descriptors come back to their count before the load,
//    its RSS to within 256 KiB of what it was after the warm-up (not
//    compared under ASan, whose quarantine keeps freed memory).
// ECHO_SOAK_SECONDS is how long each mode runs (20 s unless set); CMake
// registers a short run and, on the release build only, a long one.
#include "chaos_steps.hpp"
#include "fork_blocker.hpp"
#include "mixed_load.hpp"

#include "daemon.hpp"
#include "loopback.hpp"
#include "net.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace {

using namespace std::chrono_literals;

constexpr const char* config_a = "log-level = info\nmax-connections = 512\nmax-per-source = 64\nidle-timeout = 300\n";
// Fewer connections than the load wants (some wait in the backlog), fewer
// per source than the holders hold (some are refused), quieter log.
constexpr const char* config_b = "log-level = warning\nmax-connections = 16\nmax-per-source = 6\nidle-timeout = 120\n";
constexpr unsigned b_max_per_source = 6;

std::chrono::seconds soak_duration()
{
    const char* text = std::getenv("ECHO_SOAK_SECONDS");
    const long seconds = text && *text ? std::strtol(text, nullptr, 10) : 20;
    return std::chrono::seconds(std::max(5L, seconds));
}

// What echod's log says about sessions it ended and children that died.
struct log_accounting {
    unsigned long refusal_lines = 0, fork_failure_lines = 0, suppressed = 0;
    unsigned long any_fork_lines = 0, descriptor_lines = 0; // evidence that those steps bit
    std::set<pid_t> killed_pids;        // "... pid N ... was killed by signal 9"
    std::vector<std::string> unexpected; // deaths by other signals, non-zero exits, reasons missing
};

log_accounting account(const std::string& log)
{
    log_accounting a;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        if (line.find("refused connection from ") != std::string::npos) {
            ++a.refusal_lines;
            if (line.find("(max-per-source)") == std::string::npos)
                a.unexpected.push_back("a refusal without its reason: " + line);
        }
        a.any_fork_lines += line.find("cannot fork") != std::string::npos;
        a.descriptor_lines += line.find("Too many open files") != std::string::npos;
        if (line.find("cannot fork to serve ") != std::string::npos) {
            ++a.fork_failure_lines;
            // EAGAIN is what a full pids cgroup makes fork() fail with.
            if (line.find(std::strerror(EAGAIN)) == std::string::npos)
                a.unexpected.push_back("a fork failure without its reason: " + line);
        }
        if (const auto n = test::numbers_after(line, "("); !n.empty() &&
            line.find(" more like this suppressed)") != std::string::npos &&
            (line.find("refused connection") != std::string::npos || line.find("cannot fork") != std::string::npos))
            a.suppressed += n.back();
        // "refused N connections from SOURCE in the last S s (max-per-source
        // L)": the first of them had its own line; "... from other sources"
        // stands for all N.
        if (line.find("refused ") != std::string::npos && line.find(" connections from ") != std::string::npos) {
            const auto n = test::numbers_after(line, "refused ");
            if (!n.empty())
                a.suppressed += line.find("from other sources") != std::string::npos ? n.front() : n.front() - 1;
        }
        if (line.find("was killed by signal 9") != std::string::npos) {
            const auto pids = test::numbers_after(line, "pid ");
            if (!pids.empty())
                a.killed_pids.insert(static_cast<pid_t>(pids.front()));
        } else if (line.find("was killed by signal") != std::string::npos ||
                   line.find("exited with status") != std::string::npos) {
            a.unexpected.push_back(line);
        }
    }
    return a;
}

struct soak_mode {
    const char* name;
    std::vector<std::string> args;
    bool fork_per_connection;
};

void PrintTo(const soak_mode& mode, std::ostream* out) { *out << mode.name; }

class ChaosSoak : public testing::TestWithParam<soak_mode> {};

TEST_P(ChaosSoak, EveryEchoExactEveryEndLoggedNothingLeaks)
{
    const auto& mode = GetParam();
    const auto duration = soak_duration();
    (void)stress::raise_nofile_limit(4096);

    // Making fork() fail needs a pids cgroup of our own, which some places
    // (a package build, an unprivileged container) cannot give: there only
    // that step is left out, and says why; every other fault still runs.
    const std::string no_fork_failures = chaos::fork_blocker::unavailable();
    std::optional<chaos::fork_blocker> blocker;
    if (no_fork_failures.empty())
        blocker.emplace();
    else
        std::printf("[%s] the fail-forks step is SKIPPED, the other steps run: making fork() fail: %s\n", mode.name,
                    no_fork_failures.c_str());
    stress::daemon echod(mode.args);
    if (blocker)
        blocker->adopt(echod.pid());
    const auto config = echod.dir() / "echod.conf";
    const std::string log_file = (echod.dir() / "stderr").string();
    const int fds_before = test::open_fd_count(echod.pid());

    chaos::mixed_load load(echod.port());
    std::this_thread::sleep_for(2s); // warm-up: the parent's tables reach their working size
    const long rss_before = test::rss_kib(echod.pid());

    std::mt19937 random(static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    enum step { kill_child, reload, stop_parent, exhaust_fds, fail_forks, step_kinds };
    const char* step_names[step_kinds] = {"kill", "reload", "stop", "exhaust-fds", "fail-forks"};
    // Every kind of step at least once, in random order, then at random
    // (kills most often).
    std::vector<int> schedule = {kill_child, reload, stop_parent, exhaust_fds, fail_forks};
    std::vector<int> weighted = {kill_child, kill_child, kill_child, kill_child, reload, reload,
                                 stop_parent, exhaust_fds, exhaust_fds, fail_forks, fail_forks};
    if (!blocker) {
        std::erase(schedule, fail_forks);
        std::erase(weighted, fail_forks);
    }
    std::shuffle(schedule.begin(), schedule.end(), random);
    std::map<int, unsigned long> done;
    std::set<pid_t> killed;
    unsigned long zombie_survivors = 0, most_zombies = 0;
    bool config_is_b = false;
    const auto end = std::chrono::steady_clock::now() + duration;
    for (std::size_t i = 0; std::chrono::steady_clock::now() < end; ++i) {
        const int s = i < schedule.size() ? schedule[i] : weighted[random() % weighted.size()];
        switch (s) {
        case kill_child:
            if (const pid_t pid = chaos::kill_a_child(echod.pid(), static_cast<unsigned>(random())))
                killed.insert(pid);
            else
                continue; // no child at this moment: not a step
            break;
        case reload:
            config_is_b = !config_is_b;
            ASSERT_NO_THROW(chaos::reload(echod.pid(), log_file, config, config_is_b ? config_b : config_a));
            break;
        case stop_parent:
            chaos::stop_and_continue(echod.pid());
            break;
        case exhaust_fds:
            chaos::exhaust_descriptors(echod.pid());
            break;
        case fail_forks:
            chaos::fail_forks(*blocker);
            break;
        }
        ++done[s];
        ASSERT_TRUE(test::alive(echod.pid())) << "echod died after a " << step_names[s] << " step:\n" << echod.log();
        // No zombie may outlive the step by long: what is a zombie now must be reaped soon.
        const auto zombies = chaos::zombies_of(echod.pid());
        most_zombies = std::max<unsigned long>(most_zombies, zombies.size());
        (void)test::eventually([&] {
            const auto now = chaos::zombies_of(echod.pid());
            return std::none_of(zombies.begin(), zombies.end(), [&](pid_t z) { return now.count(z) > 0; });
        }, 5s);
        const auto still = chaos::zombies_of(echod.pid());
        zombie_survivors += static_cast<unsigned long>(
            std::count_if(zombies.begin(), zombies.end(), [&](pid_t z) { return still.count(z) > 0; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(200 + random() % 600));
    }
    load.stop();
    const auto figures = load.figures();

    // The rate limit holds back what comes within a second of the last line
    // and tells the count with the next line: provoke one refusal and one
    // fork failure after a quiet second, so that every count is told.
    std::this_thread::sleep_for(1200ms);
    if (!config_is_b) {
        ASSERT_NO_THROW(chaos::reload(echod.pid(), log_file, config, config_b));
    }
    {
        std::vector<echo::unique_fd> held;
        for (unsigned i = 0; i < b_max_per_source; ++i) {
            held.push_back(stress::connect_from("127.0.0.99", echod.port()));
            ASSERT_TRUE(stress::echoes(held.back().get(), "held\n", 15s)) << "connection " << i << " not served";
        }
        const auto over = stress::connect_from("127.0.0.99", echod.port());
        test::send_all(over.get(), "one too many\n");
        EXPECT_TRUE(test::peer_closes(over.get(), 15s)) << "the connection over max-per-source was not refused";
    }
    if (mode.fork_per_connection && blocker) {
        blocker->block();
        const auto unserved = stress::connect_from("127.0.0.98", echod.port());
        test::send_all(unserved.get(), "no fork for me\n");
        EXPECT_TRUE(test::peer_closes(unserved.get(), 15s));
        blocker->unblock();
    }
    ASSERT_NO_THROW(chaos::reload(echod.pid(), log_file, config, config_a));

    // Quiet again: nothing left over.
    const auto settled = [&] {
        if (!chaos::zombies_of(echod.pid()).empty())
            return false;
        return mode.fork_per_connection ? test::children_of(echod.pid()).empty()
                                        : test::children_of(echod.pid()).size() <= 8; // the pool: at most 2N idle
    };
    EXPECT_TRUE(test::eventually(settled, 30s)) << test::children_of(echod.pid()).size() << " children, "
                                                << chaos::zombies_of(echod.pid()).size() << " zombies";
    int fds_after = -1;
    EXPECT_TRUE(test::eventually([&] { return (fds_after = test::open_fd_count(echod.pid())) == fds_before; }, 10s))
        << "descriptors: " << fds_before << " before, " << fds_after << " after";
    const long rss_after = test::rss_kib(echod.pid());
#ifndef ECHO_CHAOS_SANITIZED
    // Not under ASan: its quarantine keeps freed memory on purpose.
    EXPECT_LE(rss_after, rss_before + 256) << "RSS grew from " << rss_before << " KiB to " << rss_after << " KiB";
#endif

    // Stopped before its log is read: at shutdown echod tells the counts of
    // the refusal windows still open (refusal_log.cpp).
    EXPECT_EQ(echod.stop(), 0) << echod.log();
    const auto log = echod.log();
    const auto books = account(log);

    std::printf("[%s] %ld s: %lu sessions (%lu complete, %lu refused, %lu cut, %lu reset by the client, %lu wrong, "
                "%lu hung), %.1f MB echoed exactly\n",
                mode.name, static_cast<long>(duration.count()), figures.sessions, figures.complete, figures.refused,
                figures.cut, figures.reset_by_us, figures.wrong, figures.hung,
                static_cast<double>(figures.bytes_echoed) / 1e6);
    std::printf("[%s] steps: %lu kills, %lu reloads, %lu parent stops, %lu descriptor exhaustions, %lu fork "
                "failures%s\n",
                mode.name, done[kill_child], done[reload], done[stop_parent], done[exhaust_fds], done[fail_forks],
                blocker ? "" : (" (step skipped: " + no_fork_failures + ")").c_str());
    const unsigned long untold = figures.refused + figures.cut > books.refusal_lines + books.fork_failure_lines +
                                                                     books.suppressed + books.killed_pids.size()
                                     ? figures.refused + figures.cut - books.refusal_lines -
                                           books.fork_failure_lines - books.suppressed - books.killed_pids.size()
                                     : 0;
    std::printf("[%s] log: %lu refusal lines, %lu fork-failure lines to serve a client, %lu more suppressed, %zu "
                "kills (at least %lu sessions ended early untold); %lu lines on fork failing, %lu on EMFILE\n",
                mode.name, books.refusal_lines, books.fork_failure_lines, books.suppressed, books.killed_pids.size(),
                untold, books.any_fork_lines, books.descriptor_lines);
    std::printf("[%s] zombies: at most %lu at once after a step, %lu outlived it by 5 s, %zu at the end; "
                "parent descriptors %d -> %d, RSS %ld -> %ld KiB\n",
                mode.name, most_zombies, zombie_survivors, chaos::zombies_of(echod.pid()).size(), fds_before,
                fds_after, rss_before, rss_after);

    EXPECT_EQ(figures.wrong, 0u);
    EXPECT_EQ(figures.hung, 0u);
    for (const auto& f : figures.failures)
        ADD_FAILURE() << f;
    EXPECT_GT(figures.complete, 0u);
    EXPECT_EQ(zombie_survivors, 0u);
    for (int s = 0; s < step_kinds; ++s) {
        if (s != fail_forks || blocker) {
            EXPECT_GT(done[s], 0u) << "no " << step_names[s] << " step ran";
        }
    }

    // Kills: each one logged, and nothing else died.
    for (pid_t pid : killed)
        EXPECT_TRUE(books.killed_pids.count(pid)) << "the kill of pid " << pid << " is not in the log";
    for (pid_t pid : books.killed_pids)
        EXPECT_TRUE(killed.count(pid)) << "pid " << pid << " was killed by something other than the test";
    for (const auto& line : books.unexpected)
        ADD_FAILURE() << "unexpected in the log: " << line;
    // A cut (an exact prefix, then the server's close) only ever comes from a kill.
    EXPECT_LE(figures.cut, killed.size());
    if (mode.fork_per_connection) {
        // The parent decides every refusal and logs it, or counts it in the
        // next line's "(N more ...)"; a kill ends a session or comes after
        // its echo was complete. Counted rather than matched by port: over
        // thousands of sessions from one address, ports come round again.
        // The refusal and (when forks could be made to fail) the fork failure provoked above.
        const unsigned long flush_lines = blocker ? 2 : 1;
        const unsigned long told = books.refusal_lines + books.fork_failure_lines + books.suppressed - flush_lines;
        const unsigned long ended = figures.refused + figures.cut;
        EXPECT_GE(ended, told) << "the log tells of more refusals than sessions saw";
        EXPECT_LE(ended, told + books.killed_pids.size())
            << "sessions the server ended that the log does not account for";
    } else if (figures.refused > 0) {
        // Each worker keeps a rate limit of its own and may exit with its
        // count untold, so only this much can be said: refusals are logged.
        EXPECT_GT(books.refusal_lines + books.killed_pids.size(), 0u) << "sessions refused, none logged";
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, ChaosSoak,
                         testing::Values(soak_mode{"fork-per-connection", {}, true},
                                         soak_mode{"prefork", {"--prefork", "4"}, false},
                                         soak_mode{"prefork-reuse",
                                                   {"--prefork", "4", "--connections-per-child", "50"}, false}),
                         [](const testing::TestParamInfo<soak_mode>& p) {
                             std::string name = p.param.name;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

} // namespace
