// Reaping: one SIGCHLD may stand for many exited children; echod must reap
// them all (waitpid until 0) and close its copy of every connection, or
// zombies and descriptors pile up over thousands of connections.
#include "helpers.hpp"

#include <sys/socket.h>

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

std::size_t count_of(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size()))
        ++n;
    return n;
}

TEST(Reaping, ThousandSequentialConnectionsLeaveNoZombieAndNoDescriptor)
{
    // The per-source limit is another feature; it must not refuse a burst
    // of children that have exited but are not reaped yet.
    // No rate limit on the per-connection lines: every one is counted below.
    test::echod_instance echod(std::vector<std::string>{"--max-per-source", "0", "--connection-log-rate", "0"});
    const int fds_before = test::open_fd_count(echod.pid());
    ASSERT_GT(fds_before, 0);

    constexpr int connections = 1000;
    for (int i = 0; i < connections; ++i) {
        auto fd = test::connect_tcp("127.0.0.1", echod.port());
        const std::string message = "connection " + std::to_string(i) + "\n";
        test::send_all(fd.get(), message);
        ::shutdown(fd.get(), SHUT_WR);
        // Reading to EOF means the child has finished with this connection.
        ASSERT_EQ(test::read_to_eof(fd.get()), message) << "connection " << i;
    }

    EXPECT_TRUE(test::eventually([&] { return test::children_of(echod.pid()).empty(); }, 20s))
        << test::children_of(echod.pid()).size() << " children left, "
        << test::zombie_children(echod.pid()) << " of them zombies";
    EXPECT_EQ(test::zombie_children(echod.pid()), 0);
    EXPECT_EQ(test::open_fd_count(echod.pid()), fds_before) << "echod leaks descriptors";
    EXPECT_TRUE(test::alive(echod.pid()));
    EXPECT_TRUE(test::eventually(
        [&] { return count_of(echod.log(), " ended: client closed") == connections; }, 20s))
        << count_of(echod.log(), " ended: ") << " sessions logged their end";
    // One line per connection, written by its child; the parent writes none.
    EXPECT_EQ(count_of(echod.log(), "connection from "), static_cast<std::size_t>(connections));
    EXPECT_EQ(echod.stop(), 0);
}

} // namespace
