// Fork per connection: 200 clients at once get 200 children, each echoing
// its own client's bytes only, and all of them go away afterwards.
#include "helpers.hpp"

#include <sys/socket.h>

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

TEST(Concurrency, TwoHundredConnectionsServedAtOnce)
{
    constexpr std::size_t clients = 200;
    // All clients come from 127.0.0.1: lift the per-source limit (default 64).
    test::echod_instance echod(std::vector<std::string>{"--max-per-source", "0"});

    // Connect all first: echod must accept a burst, not one at a time.
    std::vector<echo::unique_fd> connections;
    for (std::size_t i = 0; i < clients; ++i)
        connections.push_back(test::connect_tcp("127.0.0.1", echod.port()));
    auto message = [](std::size_t i) { return "client " + std::to_string(i) + " says " + std::string(i % 50, '*') + "\n"; };
    for (std::size_t i = 0; i < clients; ++i)
        test::send_all(connections[i].get(), message(i));
    for (std::size_t i = 0; i < clients; ++i)
        ASSERT_EQ(test::read_exactly(connections[i].get(), message(i).size(), 30s), message(i)) << "client " << i;

    // Every connection has answered, so each has its live child right now.
    EXPECT_TRUE(test::eventually([&] { return itest::live_children(echod.pid()).size() == clients; }, 10s))
        << itest::live_children(echod.pid()).size() << " live children for " << clients << " connections";

    // A second round on every connection: children stay with their client.
    for (std::size_t i = 0; i < clients; ++i)
        test::send_all(connections[clients - 1 - i].get(), message(i));
    for (std::size_t i = 0; i < clients; ++i)
        ASSERT_EQ(test::read_exactly(connections[clients - 1 - i].get(), message(i).size(), 30s), message(i));

    connections.clear();
    EXPECT_TRUE(test::eventually([&] { return test::children_of(echod.pid()).empty(); }, 20s))
        << test::children_of(echod.pid()).size() << " children left after every client closed";
    EXPECT_EQ(echod.stop(), 0);
}

} // namespace
