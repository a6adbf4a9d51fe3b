// Under systemd echod is a monitor (the main PID, which talks to systemd)
// and an acceptor (which forks a child per connection): see
// server/monitor.hpp. Neither outlives the other unnoticed.
#include "notified_echod.hpp"

#include "echod_instance.hpp"
#include "net.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

using ProcessSplit = test::notified_echod;

pid_t acceptor_of(pid_t monitor)
{
    const auto children = test::children_of(monitor);
    return children.size() == 1 ? children.front() : -1;
}

TEST_F(ProcessSplit, TheAcceptorForksTheConnectionsChildren)
{
    ASSERT_TRUE(start());
    const pid_t acceptor = acceptor_of(echod->pid());
    ASSERT_GT(acceptor, 0) << "the monitor should have exactly one child";
    auto fd = test::connect_tcp("127.0.0.1", echod->port());
    test::send_all(fd.get(), "x");
    ASSERT_EQ(test::read_exactly(fd.get(), 1), "x");
    EXPECT_EQ(test::children_of(acceptor).size(), 1u) << "the connection's child is the acceptor's";
    EXPECT_EQ(test::children_of(echod->pid()).size(), 1u) << "and not the monitor's";
}

TEST_F(ProcessSplit, AnAcceptorKilledEndsEchodWithAFailure)
{
    ASSERT_TRUE(start());
    const pid_t acceptor = acceptor_of(echod->pid());
    ASSERT_GT(acceptor, 0);
    ASSERT_EQ(::kill(acceptor, SIGKILL), 0);
    // systemd's Restart=on-failure then starts both afresh.
    EXPECT_EQ(echod->proc().wait_for(10s), 1) << echod->log();
    EXPECT_TRUE(echod->log_contains("the accepting process (pid " + std::to_string(acceptor) +
                                    ") was killed by signal 9"))
        << echod->log();
}

TEST_F(ProcessSplit, AMonitorKilledLeavesNoAcceptorBehind)
{
    ASSERT_TRUE(start());
    const pid_t acceptor = acceptor_of(echod->pid());
    ASSERT_GT(acceptor, 0);
    echod->proc().signal(SIGKILL);
    (void)echod->proc().wait_for(10s);
    // Its parent-death signal is SIGTERM: it drains and exits by itself.
    EXPECT_TRUE(test::eventually([&] { return !test::alive(acceptor); }, 10s))
        << "the accepting process outlived the monitor";
}

TEST_F(ProcessSplit, SignalsToTheMainPidReachTheAcceptor)
{
    ASSERT_TRUE(start());
    echod->proc().signal(SIGHUP);
    EXPECT_TRUE(systemd.wait_for("RELOADING=1")) << echod->log();
    EXPECT_TRUE(systemd.wait_for("READY=1")) << echod->log();
    echod->proc().signal(SIGTERM);
    EXPECT_TRUE(systemd.wait_for("STOPPING=1")) << echod->log();
    EXPECT_EQ(echod->proc().wait_for(10s), 0) << echod->log();
}

// systemd sends SIGTERM to every process of the unit (KillMode=control-group),
// at any moment, also while echod starts: after the monitor forked the
// acceptor and before the acceptor's loop reads its signals. Each process
// must then wait for its loop to read it, and echod ends cleanly (0), never
// with "the accepting process was killed by signal 15" (status 1).
TEST(ProcessSplitStart, ASigtermDuringStartUpEndsEchodCleanly)
{
    for (int round = 0; round < 20; ++round) {
        test::notify_listener systemd;
        test::temp_dir dir;
        test::write_file(dir / "echod.conf", "");
        test::spawn_options o;
        o.argv = {test::echod_binary(), "--config", (dir / "echod.conf").string(), "--listen", "127.0.0.1:0"};
        o.env = {systemd.environment()};
        o.stderr_file = dir / "stderr";
        o.in_child = [] { ::setpgid(0, 0); }; // a group of its own, as a unit's cgroup
        auto echod = test::process::spawn(std::move(o));
        // As soon as the acceptor exists: the window the monitor's start leaves it.
        ASSERT_TRUE(test::eventually([&] { return !test::children_of(echod.pid()).empty(); }, 10s))
            << test::read_file(dir / "stderr");
        ASSERT_EQ(::kill(-echod.pid(), SIGTERM), 0);
        const auto status = echod.wait_for(15s);
        const auto log = test::read_file(dir / "stderr");
        ASSERT_TRUE(status) << "echod did not stop in round " << round << ": " << log;
        EXPECT_EQ(*status, 0) << "round " << round << ": " << log;
        EXPECT_EQ(log.find("was killed by signal"), std::string::npos) << "round " << round << ": " << log;
        if (::testing::Test::HasFailure())
            break;
    }
}

} // namespace
