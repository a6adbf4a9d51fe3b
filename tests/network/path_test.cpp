// echod across a bad network (issue 13): two network namespaces joined by a
// veth pair, echod in one, the clients in the other, and the path between
// them made lossy, narrow, small- or large-framed, or cut. In each case one
// echo-client streams random bytes through echod and must get every byte
// back, exit status 0, while 64 concurrent connections do 200 round trips of
// random sizes, all exact. Loopback is never touched.
//
// No netem here (this kernel lacks it): loss is an nftables numgen rule,
// the bottleneck tbf, the cut `ip link set down`. Delay and reordering
// would need packets held in user space (NFQUEUE, absent here too).
#include "echod_in_namespace.hpp"
#include "netns.hpp"
#include "traffic.hpp"

#include "echod_instance.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <future>
#include <optional>
#include <thread>

namespace {

using namespace std::chrono_literals;
using netns::echo_port;
using netns::veth_path;

class NetworkPath : public testing::Test {
protected:
    void SetUp() override
    {
        if (const auto why = netns::missing_precondition(); !why.empty())
            GTEST_SKIP() << why;
    }

    // A change of the path while the loads run: applied once the stream
    // and every round-trip client are halfway (they wait for it), held,
    // then undone.
    struct path_change {
        std::function<void()> apply;
        std::chrono::seconds hold;
        std::function<void()> undo;
    };

    // The stream and the round trips at once, across the path as it is, or
    // as `change` makes it for a while.
    void echo_across(const veth_path& path, std::size_t stream_bytes, netns::round_trip_load load,
                     const std::optional<path_change>& change = {})
    {
        netns::echod_in_namespace echod(path.server());
        const auto started = std::chrono::steady_clock::now();
        netns::gate halfway;
        netns::client_stream stream(path.client(), netns::stream_data(stream_bytes, 13),
                                    {test::echo_client_binary(), veth_path::server_address, std::to_string(echo_port)},
                                    change ? &halfway : nullptr, stream_bytes / 2);
        if (change)
            load.halfway = &halfway;
        auto round_trips = std::async(std::launch::async, [&] {
            return netns::run_round_trips(path.client(), veth_path::second_client_address, veth_path::server_address,
                                          echo_port, load);
        });
        // Whatever fails below, nothing may stay parked at the gate.
        const struct opener {
            netns::gate& g;
            ~opener() { g.open(); }
        } open_on_exit{halfway};
        if (change) {
            EXPECT_TRUE(halfway.wait_for_arrivals(load.clients + 1, 120s)) << "the loads never got halfway";
            change->apply();
            halfway.open();
            std::this_thread::sleep_for(change->hold);
            change->undo();
        }
        const auto status = stream.wait(300s);
        const double stream_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const auto rt = round_trips.get();

        ASSERT_TRUE(status.has_value()) << "echo-client still running after 300 s, "
                                        << stream.output().size() << " bytes back";
        EXPECT_EQ(*status, 0) << stream.errors();
        const std::string out = stream.output();
        EXPECT_EQ(out.size(), stream.data().size());
        EXPECT_TRUE(out == stream.data()) << "the echo differs from the input";
        const unsigned expected = load.clients * load.rounds;
        EXPECT_EQ(rt.exact, expected);
        EXPECT_EQ(rt.wrong, 0u);
        for (const auto& e : rt.errors)
            ADD_FAILURE() << e;
        std::printf("stream: %zu bytes in %.1f s (%.2f MB/s), status %d; round trips: %u of %u exact, %zu bytes, "
                    "%.1f s\n",
                    out.size(), stream_seconds, static_cast<double>(out.size()) / 1e6 / stream_seconds, *status,
                    rt.exact, expected, rt.bytes, rt.seconds);

        EXPECT_TRUE(test::eventually([&] { return test::children_of(echod.pid()).empty(); }, 30s))
            << test::children_of(echod.pid()).size() << " children left";
        EXPECT_EQ(echod.stop(), 0) << echod.log();
    }

    static constexpr std::size_t full_stream = 20'000'000;
};

TEST_F(NetworkPath, FivePercentLoss)
{
    veth_path path;
    path.set_loss(5);
    echo_across(path, full_stream, {});
}

TEST_F(NetworkPath, TwentyPercentLossForFiveSecondsMidStream)
{
    veth_path path;
    echo_across(path, full_stream, {}, path_change{[&] { path.set_loss(20); }, 5s, [&] { path.set_loss(0); }});
}

TEST_F(NetworkPath, OneMegabitBottleneck)
{
    veth_path path;
    path.set_rate("1mbit");
    // 2 MB take about 16 s each way at 1 Mbit/s; the round trips stay small
    // so that 12,800 of them fit through the same bottleneck.
    netns::round_trip_load load;
    load.max_size = 128;
    echo_across(path, 2'000'000, load);
}

TEST_F(NetworkPath, Mtu576)
{
    veth_path path;
    path.set_mtu(576);
    echo_across(path, full_stream, {});
}

TEST_F(NetworkPath, Mtu9000)
{
    veth_path path;
    path.set_mtu(9000);
    echo_across(path, full_stream, {});
}

TEST_F(NetworkPath, LinkDownForTenSecondsMidStream)
{
    veth_path path;
    echo_across(path, full_stream, {}, path_change{[&] { path.set_link(false); }, 10s, [&] { path.set_link(true); }});
}

} // namespace
