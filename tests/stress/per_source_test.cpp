// --max-per-source: one address over its limit is refused at once, while
// another address is still served.
#include "daemon.hpp"
#include "loopback.hpp"
#include "net.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace std::chrono_literals;

TEST(PerSource, FourthConnectionFromOneAddressIsClosedAnotherAddressIsServed)
{
    stress::daemon echod({"--max-per-source", "3"});
    std::vector<echo::unique_fd> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(test::connect_tcp("127.0.0.1", echod.port()));
        ASSERT_TRUE(stress::echoes(held.back().get(), "one of three\n"));
    }

    auto fourth = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(fourth.get(), "one too many\n");
    EXPECT_TRUE(test::peer_closes(fourth.get(), 3s)) << "the 4th connection from 127.0.0.1 was not closed";
    EXPECT_TRUE(echod.log_contains("max-per-source")) << echod.log();

    auto other = test::connect_tcp("127.0.0.1", echod.port(), "127.0.0.2");
    EXPECT_TRUE(stress::echoes(other.get(), "from another address\n"));
    for (const auto& fd : held)
        EXPECT_TRUE(stress::echoes(fd.get(), "still served\n"));

    // A slot freed is a slot available again.
    held.pop_back();
    ASSERT_TRUE(test::eventually([&] { return test::children_of(echod.pid()).size() == 3; }));
    auto again = test::connect_tcp("127.0.0.1", echod.port());
    EXPECT_TRUE(stress::echoes(again.get(), "my turn\n"));
    // Every client leaves, so every child ends and stopping waits for none.
    held.clear();
    fourth.reset();
    other.reset();
    again.reset();
    EXPECT_TRUE(stress::all_children_reaped(echod.pid(), 10s)) << test::children_of(echod.pid()).size()
                                                               << " children left after every client closed";
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
