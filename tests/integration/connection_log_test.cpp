// Issue 12: one line per connection, written by its child when it ends, and
// past --connection-log-rate lines a second, summaries whose counts add up.
#include "echod_instance.hpp"
#include "net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_with(const std::string& log, const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);)
        if (line.find(text) != std::string::npos)
            out.push_back(line);
    return out;
}

unsigned local_port(int fd)
{
    sockaddr_in a{};
    socklen_t n = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
    return ntohs(a.sin_port);
}

TEST(ConnectionLog, OneLinePerConnectionWithItsFields)
{
    test::echod_instance echod({"--max-per-source", "0"});
    constexpr int connections = 20;
    std::vector<unsigned> ports;
    for (int i = 0; i < connections; ++i) {
        auto fd = test::connect_tcp("127.0.0.1", echod.port());
        ports.push_back(local_port(fd.get()));
        const std::string message(static_cast<std::size_t>(i + 1), 'x');
        test::send_all(fd.get(), message);
        ASSERT_EQ(test::read_exactly(fd.get(), message.size()), message);
    }
    ASSERT_TRUE(test::eventually([&] { return lines_with(echod.log(), " ended: ").size() == connections; }))
        << echod.log();
    const std::string log = echod.log();
    for (int i = 0; i < connections; ++i) {
        const std::string peer = "connection from 127.0.0.1:" + std::to_string(ports[static_cast<std::size_t>(i)]) + " ";
        const auto found = lines_with(log, peer);
        ASSERT_EQ(found.size(), 1u) << peer << "\n" << log;
        const std::string bytes = std::to_string(i + 1);
        EXPECT_NE(found[0].find("ended: client closed; " + bytes + " bytes received, " + bytes + " sent back, "),
                  std::string::npos)
            << found[0];
        EXPECT_NE(found[0].find(" s"), std::string::npos) << found[0];
    }
    // The parent accepts and forks without writing anything per connection,
    // and below the rate nothing is summed up.
    EXPECT_EQ(lines_with(log, "served by").size(), 0u) << log;
    EXPECT_EQ(lines_with(log, "summary:").size(), 0u) << log;
    EXPECT_EQ(echod.stop(), 0);
}

TEST(ConnectionLog, ResetAndShutdownAreNamed)
{
    test::echod_instance echod({"--shutdown-timeout", "0"});
    {
        auto fd = test::connect_tcp("127.0.0.1", echod.port());
        test::send_all(fd.get(), "abc");
        ASSERT_EQ(test::read_exactly(fd.get(), 3), "abc");
        test::set_linger_reset(fd.get());
    }
    ASSERT_TRUE(echod.log_contains("ended: reset by client; 3 bytes received, 3 sent back")) << echod.log();
    auto held = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(held.get(), "x");
    ASSERT_EQ(test::read_exactly(held.get(), 1), "x");
    EXPECT_EQ(echod.stop(), 0);
    EXPECT_NE(echod.log().find("ended: server shutting down; 1 bytes received, 1 sent back"), std::string::npos)
        << echod.log();
}

TEST(ConnectionLog, ABurstAboveTheRateIsSummedUpAndAddsUp)
{
    test::echod_instance echod({"--max-per-source", "0", "--connection-log-rate", "5"});
    constexpr int connections = 150;
    for (int i = 0; i < connections; ++i) {
        auto fd = test::connect_tcp("127.0.0.1", echod.port());
        test::send_all(fd.get(), "hi");
        ASSERT_EQ(test::read_exactly(fd.get(), 2), "hi");
    }
    // The last summary is written before echod stops, whatever the time.
    EXPECT_EQ(echod.stop(), 0);
    const std::string log = echod.log();
    const auto own = lines_with(log, " ended: ").size();
    std::size_t summed = 0;
    for (unsigned long n : test::numbers_after(log, "summary: "))
        summed += n;
    EXPECT_GT(summed, 0u) << "no summary line:\n" << log;
    EXPECT_EQ(own + summed, static_cast<std::size_t>(connections)) << log;
    // Each summary says why it is one, and its kinds add up to its total.
    const auto summaries = lines_with(log, "summary: ");
    for (const auto& line : summaries) {
        EXPECT_NE(line.find("connection-log-rate 5"), std::string::npos) << line;
        const auto total = test::numbers_after(line, "summary: ");
        const auto closed = test::numbers_after(line, "failed (");
        ASSERT_EQ(total.size(), 1u);
        ASSERT_EQ(closed.size(), 1u);
        EXPECT_EQ(closed[0], total[0]) << "every one was closed by its client: " << line;
    }
}

} // namespace
