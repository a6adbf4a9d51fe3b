// accept() failing with EMFILE: the pending connection stays in the backlog
// and the listener stays readable, so a server that simply retries spins.
// echod must pause instead, and recover by itself.
#include "daemon.hpp"
#include "loopback.hpp"
#include "net.hpp"
#include "proc.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

namespace {

rlim_t lowest_free_descriptor(pid_t pid)
{
    std::set<rlim_t> used;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
        used.insert(std::stoul(entry.path().filename().string()));
    rlim_t n = 0;
    while (used.count(n))
        ++n;
    return n;
}

using namespace std::chrono_literals;

TEST(DescriptorExhaustion, NoSpinWhileOutOfDescriptorsAndRecoveryAfterwards)
{
    stress::daemon echod({"--log-level", "info"});
    ASSERT_TRUE(stress::echoes(stress::connect_from("127.0.0.1", echod.port()).get(), "before\n"));
    ASSERT_TRUE(stress::all_children_reaped(echod.pid()));

    // The parent keeps no descriptor per client (its copy is closed after
    // fork), so "low" must mean none left: the limit is its lowest free
    // descriptor number (descriptors above a limit stay open).
    const rlimit original = stress::limit_of(echod.pid(), RLIMIT_NOFILE);
    const rlim_t lowest_free = lowest_free_descriptor(echod.pid());
    ASSERT_LT(lowest_free, 16u);
    stress::set_limit_of(echod.pid(), RLIMIT_NOFILE, lowest_free, original.rlim_max);

    // More clients than the limit, all waiting in the backlog with data sent.
    std::vector<echo::unique_fd> waiting;
    for (int i = 0; i < 24; ++i) {
        waiting.push_back(stress::connect_from("127.0.0." + std::to_string(2 + i % 8), echod.port()));
        test::send_all(waiting.back().get(), "waiting " + std::to_string(i) + "\n");
    }
    ASSERT_TRUE(echod.log_contains("Too many open files")) << echod.log();
    const long ticks_before = test::cpu_ticks(echod.pid());
    std::this_thread::sleep_for(2s);
    const long ticks = test::cpu_ticks(echod.pid()) - ticks_before;
    const long per_second = ::sysconf(_SC_CLK_TCK);
    std::printf("parent used %ld ticks (%ld per second) in 2 s without descriptors\n", ticks, per_second);
    // A spinning parent burns most of a core: ~2 s worth of ticks.
    EXPECT_LT(ticks, per_second / 4) << "the parent spins on EMFILE";
    EXPECT_TRUE(test::alive(echod.pid()));
    // No client was served meanwhile, and none was dropped.
    EXPECT_TRUE(test::children_of(echod.pid()).empty());

    stress::set_limit_of(echod.pid(), RLIMIT_NOFILE, original.rlim_cur, original.rlim_max);
    for (std::size_t i = 0; i < waiting.size(); ++i)
        EXPECT_EQ(test::read_exactly(waiting[i].get(), ("waiting " + std::to_string(i) + "\n").size(), 15s),
                  "waiting " + std::to_string(i) + "\n");
    waiting.clear();
    EXPECT_TRUE(stress::all_children_reaped(echod.pid()));
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
