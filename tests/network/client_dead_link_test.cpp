// echo-client's own bound on a link that dies for good (issue 13): with
// --link-timeout it notices a server that vanished without a reset whether
// its standard input is idle (keepalive probes go unanswered) or data is in
// flight (retransmissions go unanswered), with the kernel's default
// retransmission limit (net.ipv4.tcp_retries2 = 15: about 15 minutes) left
// alone. It must end with status 1, naming the server and what came back,
// its reading child with it. And a server that is alive but stops reading
// (its kernel answers every zero-window probe) is no dead link (issue 23):
// it is stalled, status 124 after --wait.
#include "echod_in_namespace.hpp"
#include "netns.hpp"
#include "traffic.hpp"

#include "echod_instance.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

using namespace std::chrono_literals;
using netns::veth_path;

constexpr long link_timeout = 4;
// echo-client(1): within the limit and one keepalive interval of the last
// thing the server sent (4 + 1 s here); the rest is margin for a loaded machine.
constexpr auto client_bound = 40s;

double seconds_since(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class ClientDeadLink : public testing::Test {
protected:
    void SetUp() override
    {
        if (const auto why = netns::missing_precondition(); !why.empty())
            GTEST_SKIP() << why;
        path_.emplace();
        echod_.emplace(path_->server());
    }

    // echod's child still waits for a client it can no longer hear from:
    // SIGTERM must end it too, so that echod stops cleanly and leaves
    // nobody behind.
    void TearDown() override
    {
        if (!echod_)
            return;
        const auto serving = test::children_of(echod_->pid());
        EXPECT_EQ(echod_->stop(), 0) << echod_->log();
        for (pid_t p : serving)
            EXPECT_FALSE(test::alive(p)) << "echod's child " << p << " outlived it";
    }

    [[nodiscard]] static std::vector<std::string> client_command()
    {
        return {test::echo_client_binary(), "--link-timeout", std::to_string(link_timeout),
                veth_path::server_address, std::to_string(netns::echo_port)};
    }

    // Cuts the link, then expects echo-client to end with status 1 within
    // the bound, its reader gone with it; returns how long it took.
    double cut_and_expect_the_client_gone(netns::client_stream& stream)
    {
        const auto readers = test::children_of(stream.proc().pid());
        EXPECT_EQ(readers.size(), 1u);
        path_->set_link(false);
        const auto cut = std::chrono::steady_clock::now();
        // The process itself, not stream.wait(): that joins a feeder the test may still hold at its gate.
        const auto status = stream.proc().wait_for(client_bound);
        const double took = seconds_since(cut);
        EXPECT_TRUE(status.has_value()) << "echo-client still running " << took << " s after the link went down";
        EXPECT_EQ(status.value_or(-1), 1) << stream.errors();
        // The cause the kernel gave: ETIMEDOUT, or ENETUNREACH when the route
        // went with the link while a segment waited; to the reader ("connection
        // lost") or to the writer's send, whichever met it first.
        const std::string why = stream.errors();
        EXPECT_TRUE(why.find("timed out") != std::string::npos || why.find("unreachable") != std::string::npos)
            << why;
        // Like every other failure of echo-client: which server, and how much came back.
        EXPECT_NE(why.find(std::string("connection lost to ") + veth_path::server_address), std::string::npos) << why;
        EXPECT_NE(why.find("bytes came back"), std::string::npos) << why;
        for (pid_t p : readers)
            EXPECT_FALSE(test::alive(p)) << "echo-client's reader " << p << " outlived it";
        std::printf("--link-timeout %ld: echo-client ended with status %d %.1f s after the cut (%s)\n", link_timeout,
                    status.value_or(-1), took, stream.errors().c_str());
        return took;
    }

    std::optional<veth_path> path_;
    std::optional<netns::echod_in_namespace> echod_;
};

TEST_F(ClientDeadLink, NoticedWithIdleInput)
{
    // The input stops (the pipe stays open) after its first 64 KiB, once
    // their echo is back: nothing is in flight when the link goes.
    std::string lines;
    for (int i = 0; lines.size() < 200'000; ++i)
        lines += "line " + std::to_string(i) + "\n";
    netns::gate pause;
    netns::client_stream idle(path_->client(), lines, client_command(), &pause, 1);
    ASSERT_TRUE(pause.wait_for_arrivals(1, 30s)) << idle.errors();
    ASSERT_TRUE(test::eventually([&] { return idle.output().size() >= idle.fed(); }, 30s))
        << idle.output().size() << " of " << idle.fed() << " bytes came back";
    (void)cut_and_expect_the_client_gone(idle);
    pause.open();
}

TEST_F(ClientDeadLink, NoticedWithDataInFlight)
{
    netns::client_stream stream(path_->client(), netns::stream_data(50'000'000, 22), client_command());
    ASSERT_TRUE(test::eventually([&] { return stream.fed() >= 2'000'000; }, 60s)) << stream.errors();
    (void)cut_and_expect_the_client_gone(stream);
}

// A server whose kernel answers but whose program never reads: its receive
// buffer fills, its window closes, and the client's kernel probes the window,
// answered each time. With TCP_USER_TIMEOUT the client ended that as a lost
// link after --link-timeout (status 1); it must wait out --wait and call it
// what it is: the server neither takes input nor echoes (124).
TEST_F(ClientDeadLink, ZeroWindowIsStalledNotLost)
{
    constexpr unsigned silent_port = 9;
    echo::unique_fd listener;
    path_->server().inside([&] {
        listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        ASSERT_TRUE(listener) << std::strerror(errno);
        const int small = 4096; // inherited by the accepted socket: its window closes at once
        ASSERT_EQ(::setsockopt(listener.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(silent_port);
        ASSERT_EQ(::inet_pton(AF_INET, veth_path::server_address, &a.sin_addr), 1);
        ASSERT_EQ(::bind(listener.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
        ASSERT_EQ(::listen(listener.get(), 1), 0);
    });
    // --link-timeout below --wait, as by default (20 and 30), and below the
    // gaps the window probes back off to within --wait (3.2 s, then 6.4 s
    // over this path's 200 ms RTO): the client sees the server silent that
    // long, but owing nothing, and must not call it gone.
    constexpr long link = 2;
    constexpr long wait = 8;
    netns::client_stream stream(path_->client(), netns::stream_data(5'000'000, 23),
                                {test::echo_client_binary(), "--raw", "--link-timeout", std::to_string(link),
                                 "--wait", std::to_string(wait), veth_path::server_address,
                                 std::to_string(silent_port)});
    echo::unique_fd held; // accepted, never read
    ASSERT_TRUE(test::eventually([&] {
        held.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        return static_cast<bool>(held);
    }, 30s)) << stream.errors();
    const auto started = std::chrono::steady_clock::now();
    const auto status = stream.proc().wait_for(client_bound + std::chrono::seconds(wait));
    const double took = seconds_since(started);
    ASSERT_TRUE(status.has_value()) << "echo-client still running " << took << " s after connecting";
    EXPECT_EQ(*status, 124) << stream.errors();
    EXPECT_NE(stream.errors().find("neither took input nor echoed for " + std::to_string(wait) + " s"),
              std::string::npos) << stream.errors();
    std::printf("zero window, --link-timeout %ld --wait %ld: echo-client ended with status %d %.1f s after "
                "connecting (%s)\n", link, wait, status.value_or(-1), took, stream.errors().c_str());
}

} // namespace
