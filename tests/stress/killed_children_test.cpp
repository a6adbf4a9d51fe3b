// Children killed with SIGKILL at random while clients keep coming: the
// parent must reap every one (one SIGCHLD can stand for many children) and
// keep serving.
#include "daemon.hpp"
#include "loopback.hpp"
#include "proc.hpp"

#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

TEST(KilledChildren, EveryOneIsReapedAndServiceContinues)
{
    stress::daemon echod({"--log-level", "warning"});
    std::atomic<bool> stop{false};
    std::atomic<int> echoed{0}, broken{0};

    // Clients that hold their connection a little while, echoing now and then.
    std::vector<std::thread> clients;
    for (int t = 0; t < 6; ++t)
        clients.emplace_back([&, t] {
            const std::string source = "127.0.0." + std::to_string(2 + t);
            while (!stop) {
                try {
                    const auto fd = stress::connect_from(source, echod.port());
                    for (int round = 0; round < 5 && !stop; ++round) {
                        if (!stress::echoes(fd.get(), "still here\n", 5s))
                            throw std::runtime_error("wrong echo");
                        ++echoed;
                        std::this_thread::sleep_for(10ms);
                    }
                } catch (const std::exception&) {
                    ++broken; // its child was killed
                }
            }
        });

    std::mt19937 random(42);
    int killed = 0;
    const auto end = std::chrono::steady_clock::now() + 4s;
    while (std::chrono::steady_clock::now() < end) {
        auto children = test::children_of(echod.pid());
        std::shuffle(children.begin(), children.end(), random);
        // About half the children alive at this moment.
        for (std::size_t i = 0; i < children.size() / 2 + 1 && i < children.size(); ++i)
            killed += ::kill(children[i], SIGKILL) == 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(random() % 20));
    }
    stop = true;
    for (auto& c : clients)
        c.join();

    std::printf("%d children killed; %d echoes, %d connections broken\n", killed, echoed.load(), broken.load());
    EXPECT_GE(killed, 20) << "too few kills to prove anything";
    EXPECT_TRUE(stress::all_children_reaped(echod.pid())) << test::zombie_children(echod.pid()) << " zombies left";
    EXPECT_EQ(test::zombie_children(echod.pid()), 0);
    EXPECT_TRUE(echod.log_contains("was killed by signal 9"));
    ASSERT_TRUE(test::alive(echod.pid()));
    for (int i = 0; i < 20; ++i) {
        const auto fd = stress::connect_from("127.0.0.1", echod.port());
        EXPECT_TRUE(stress::echoes(fd.get(), "after the massacre\n"));
    }
    EXPECT_TRUE(stress::all_children_reaped(echod.pid()));
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
