// --prefork: workers wait in accept() before clients arrive; by default each
// client still gets a fresh process; the pool stays within max-connections
// and stops gracefully.
#include "echod_instance.hpp"
#include "net.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <set>
#include <thread>
#include <sstream>

namespace {

using namespace std::chrono_literals;

// The pids that wrote "echod[PID]: connection from ... ended: ..." lines
// (each child logs its connection's end itself), in order.
std::vector<pid_t> serving_pids(const std::string& log)
{
    std::vector<pid_t> pids;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);)
        if (line.find(" ended: ") != std::string::npos)
            for (unsigned long pid : test::numbers_after(line, "echod["))
                pids.push_back(static_cast<pid_t>(pid));
    return pids;
}

void echo_once(unsigned port, const std::string& source = {})
{
    auto fd = test::connect_tcp("127.0.0.1", port, source);
    test::send_all(fd.get(), "ping");
    ASSERT_EQ(test::read_exactly(fd.get(), 4), "ping");
}

std::size_t live_children(pid_t pid)
{
    std::size_t n = 0;
    for (pid_t c : test::children_of(pid))
        n += test::alive(c);
    return n;
}

TEST(Prefork, WorkersWaitBeforeClientsArrive)
{
    test::echod_instance echod({"--prefork", "4"});
    EXPECT_TRUE(test::eventually([&] { return live_children(echod.pid()) == 4; }))
        << "children: " << live_children(echod.pid());
    // No client yet, so nobody has been served.
    EXPECT_TRUE(serving_pids(echod.log()).empty());
    EXPECT_EQ(echod.stop(), 0);
}

TEST(Prefork, EachClientGetsAFreshProcessByDefault)
{
    test::echod_instance echod({"--prefork", "3"});
    for (int i = 0; i < 10; ++i)
        echo_once(echod.port());
    ASSERT_TRUE(echod.log_contains("ended: client closed"));
    ASSERT_TRUE(test::eventually([&] { return serving_pids(echod.log()).size() == 10; })) << echod.log();
    const auto pids = serving_pids(echod.log());
    EXPECT_EQ(std::set<pid_t>(pids.begin(), pids.end()).size(), 10U) << echod.log();
    // Used workers exit and are reaped (a zombie may exist only until the
    // parent's next SIGCHLD turn); the pool is refilled.
    EXPECT_TRUE(test::eventually([&] {
        return live_children(echod.pid()) == 3 && test::zombie_children(echod.pid()) == 0;
    })) << "live " << live_children(echod.pid()) << ", zombies " << test::zombie_children(echod.pid());
    EXPECT_EQ(echod.stop(), 0);
}

TEST(Prefork, ConnectionsPerChildReusesWorkers)
{
    test::echod_instance echod({"--prefork", "1", "--connections-per-child", "3"});
    for (int i = 0; i < 6; ++i)
        echo_once(echod.port());
    ASSERT_TRUE(test::eventually([&] { return serving_pids(echod.log()).size() == 6; })) << echod.log();
    const auto pids = serving_pids(echod.log());
    const std::set<pid_t> distinct(pids.begin(), pids.end());
    EXPECT_LT(distinct.size(), 6U) << "no worker served more than one client";
    for (pid_t p : distinct)
        EXPECT_LE(std::count(pids.begin(), pids.end(), p), 3) << "pid " << p << " served more than 3";
    EXPECT_EQ(echod.stop(), 0);
}

TEST(Prefork, PoolShrinksBackAfterABurst)
{
    // Workers that served a client come back idle; beyond twice --prefork
    // spares they must leave, or every burst would leave its high-water mark
    // behind.
    test::echod_instance echod({"--prefork", "2", "--connections-per-child", "100", "--max-per-source", "0"});
    std::vector<echo::unique_fd> burst;
    for (int i = 0; i < 12; ++i) {
        burst.push_back(test::connect_tcp("127.0.0.1", echod.port()));
        test::send_all(burst.back().get(), "b");
        ASSERT_EQ(test::read_exactly(burst.back().get(), 1), "b");
    }
    EXPECT_GE(live_children(echod.pid()), 12U);
    burst.clear();
    EXPECT_TRUE(test::eventually([&] { return live_children(echod.pid()) == 4; }))
        << "pool stayed at " << live_children(echod.pid()) << " workers";
    EXPECT_EQ(echod.log().find("killed by signal"), std::string::npos) << echod.log();
    echo_once(echod.port()); // and still serves
    EXPECT_EQ(echod.stop(), 0);
}

TEST(Prefork, PoolNeverExceedsMaxConnections)
{
    test::echod_instance echod({"--prefork", "8", "--max-connections", "3", "--max-per-source", "0"});
    ASSERT_TRUE(test::eventually([&] { return live_children(echod.pid()) == 3; }));
    std::vector<echo::unique_fd> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(test::connect_tcp("127.0.0.1", echod.port()));
        test::send_all(held.back().get(), "h");
        ASSERT_EQ(test::read_exactly(held.back().get(), 1), "h");
    }
    // A fourth client waits in the backlog: connected, but not served.
    auto waiting = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(waiting.get(), "w");
    EXPECT_THROW((void)test::read_exactly(waiting.get(), 1, 500ms), std::runtime_error);
    EXPECT_EQ(live_children(echod.pid()), 3U);
    // One leaves: the waiting client is served.
    held.front().reset();
    EXPECT_EQ(test::read_exactly(waiting.get(), 1, 10s), "w");
    EXPECT_LE(live_children(echod.pid()), 3U);
    // Clients gone first: stopping then waits for no shutdown-timeout.
    held.clear();
    waiting.reset();
    EXPECT_EQ(echod.stop(), 0);
}

TEST(Prefork, PerSourceLimitAcrossWorkers)
{
    test::echod_instance echod({"--prefork", "4", "--max-per-source", "2"});
    auto a = test::connect_tcp("127.0.0.1", echod.port());
    auto b = test::connect_tcp("127.0.0.1", echod.port());
    for (auto* fd : {&a, &b}) {
        test::send_all(fd->get(), "s");
        ASSERT_EQ(test::read_exactly(fd->get(), 1), "s");
    }
    auto third = test::connect_tcp("127.0.0.1", echod.port());
    EXPECT_TRUE(test::peer_closes(third.get(), 5s)) << "a third connection from 127.0.0.1 was served";
    EXPECT_TRUE(echod.log_contains("max-per-source"));
    echo_once(echod.port(), "127.0.0.2"); // another source is still welcome
    a.reset();
    b.reset();
    EXPECT_EQ(echod.stop(), 0);
}

TEST(Prefork, RefusalsAreCountedInTheParentsLog)
{
    // As in fork-per-connection mode (refusal_log.hpp): the first refusal
    // from a source is logged at once with the client's address, the rest
    // of its window as one count, written by the parent, which also tells
    // the windows still open when it stops. A worker's own throttled line
    // would drop refusals without saying how many.
    test::echod_instance echod({"--prefork", "3", "--max-per-source", "1", "--shutdown-timeout", "0"});
    auto held = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(held.get(), "h");
    ASSERT_EQ(test::read_exactly(held.get(), 1), "h");
    constexpr int over = 5;
    for (int i = 0; i < over; ++i) {
        auto refused = test::connect_tcp("127.0.0.1", echod.port());
        EXPECT_TRUE(test::peer_closes(refused.get(), 5s)) << "connection " << i << " over the limit was served";
    }
    const std::string parent = "echod[" + std::to_string(echod.pid()) + "]";
    EXPECT_TRUE(echod.log_contains(parent + ": warning: refused connection from 127.0.0.1:")) << echod.log();
    held.reset();
    EXPECT_EQ(echod.stop(), 0);
    const auto log = echod.log();
    EXPECT_NE(log.find(parent + ": warning: refused " + std::to_string(over) +
                       " connections from 127.0.0.1 in the last "),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("more like this suppressed"), std::string::npos) << log;
}

TEST(Prefork, ReloadedPerSourceLimitReachesRunningWorkers)
{
    test::echod_setup setup;
    setup.args = {"--prefork", "3"};
    setup.config_text = "max-per-source = 10\n";
    test::echod_instance echod(setup);
    ASSERT_TRUE(test::eventually([&] { return live_children(echod.pid()) == 3; }));
    const auto workers_before = test::children_of(echod.pid());

    test::write_file(echod.config_file(), "max-per-source = 1\n");
    echod.proc().signal(SIGHUP);
    ASSERT_TRUE(echod.log_contains("max-per-source 1"));
    // The same workers, forked under the old limit, must apply the new one.
    EXPECT_EQ(test::children_of(echod.pid()), workers_before);
    auto first = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(first.get(), "1");
    ASSERT_EQ(test::read_exactly(first.get(), 1), "1");
    auto second = test::connect_tcp("127.0.0.1", echod.port());
    EXPECT_TRUE(test::peer_closes(second.get(), 5s)) << "the reloaded limit of 1 was not applied";
    first.reset();
    EXPECT_EQ(echod.stop(), 0);
}

TEST(Prefork, KilledWorkerIsReapedAndReplaced)
{
    test::echod_instance echod({"--prefork", "2"});
    ASSERT_TRUE(test::eventually([&] { return live_children(echod.pid()) == 2; }));
    const pid_t victim = test::children_of(echod.pid()).front();
    ::kill(victim, SIGKILL);
    EXPECT_TRUE(echod.log_contains("worker pid " + std::to_string(victim) + " was killed by signal 9"));
    EXPECT_TRUE(test::eventually([&] {
        return live_children(echod.pid()) == 2 && test::zombie_children(echod.pid()) == 0;
    }));
    echo_once(echod.port());
    EXPECT_EQ(echod.stop(), 0);
}

// A worker that cannot wait for clients (epoll_ctl fails) must not sit on
// as a spare that never serves: it says why and exits, and the parent logs
// it and retries after its back-off, without spinning.
TEST(Prefork, AWorkerThatCannotWaitForClientsExitsAndSaysWhy)
{
    test::echod_setup setup;
    setup.args = {"--prefork", "2"};
    setup.env = {"LD_PRELOAD=" FAULT_INJECTION_LIBRARY, "ECHO_TEST_EPOLL_EXCLUSIVE=1",
                 "ASAN_OPTIONS=verify_asan_link_order=0"};
    test::echod_instance echod(std::move(setup));
    EXPECT_TRUE(echod.log_contains("worker: epoll_ctl: Cannot allocate memory", 10s)) << echod.log();
    EXPECT_TRUE(echod.log_contains("exited with status 1", 10s)) << echod.log();
    std::this_thread::sleep_for(1s);
    // 100 ms of back-off between attempts: about 20 in a second for 2 workers, not thousands.
    EXPECT_LT(echod.log_lines_with("exited with status 1"), 100U) << "the parent forks failing workers in a loop";
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

TEST(Prefork, SigtermLetsBusyWorkersFinish)
{
    test::echod_instance echod({"--prefork", "4", "--shutdown-timeout", "10"});
    auto busy = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(busy.get(), "1");
    ASSERT_EQ(test::read_exactly(busy.get(), 1), "1");

    echod.proc().signal(SIGTERM);
    // Idle workers leave at once; the busy one stays and still echoes.
    EXPECT_TRUE(test::eventually([&] { return live_children(echod.pid()) == 1; }));
    test::send_all(busy.get(), "2");
    EXPECT_EQ(test::read_exactly(busy.get(), 1), "2");
    EXPECT_THROW((void)test::connect_tcp("127.0.0.1", echod.port()), std::runtime_error);
    busy.reset();
    EXPECT_EQ(echod.proc().wait_for(10s), 0);
}

} // namespace
