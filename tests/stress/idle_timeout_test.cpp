// Slowloris: clients that hold a slot and do nothing, or send and never read,
// must lose it after --idle-timeout.
#include "daemon.hpp"
#include "loopback.hpp"
#include "net.hpp"
#include "proc.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <thread>

namespace {

using namespace std::chrono_literals;

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t)
{
    return std::chrono::duration<double>(clock_type::now() - t).count();
}

TEST(IdleTimeout, SilentConnectionsAreClosed)
{
    stress::daemon echod({"--idle-timeout", "1"});
    std::vector<echo::unique_fd> idle;
    for (int i = 0; i < 5; ++i)
        idle.push_back(stress::connect_from("127.0.0.1", echod.port()));
    const auto talkative = stress::connect_from("127.0.0.2", echod.port());
    const auto started = clock_type::now();

    // A client that talks every 300 ms is not idle, however long it stays.
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(stress::echoes(talkative.get(), "I am here\n")) << "after " << seconds_since(started) << " s";
        std::this_thread::sleep_for(300ms);
    }
    for (const auto& fd : idle)
        EXPECT_TRUE(test::peer_closes(fd.get(), 6s));
    std::printf("idle connections closed after %.1f s\n", seconds_since(started));
    EXPECT_TRUE(echod.log_contains("ended: idle timeout"));
    EXPECT_TRUE(stress::echoes(talkative.get(), "still here\n"));
    EXPECT_EQ(test::children_of(echod.pid()).size(), 1u);
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

TEST(IdleTimeout, ClientThatNeverReadsIsClosed)
{
    stress::daemon echod({"--idle-timeout", "1"});
    echo::unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    // A small receive window fills sooner.
    const int small = 4096;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(echod.port()));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to), 0);

    // Send for as long as the server takes it, never reading the echo; its
    // child ends up blocked in send(), which only SO_SNDTIMEO ends.
    const std::string chunk(64 * 1024, 'x');
    const auto started = clock_type::now();
    bool closed = false;
    std::size_t sent = 0;
    while (!closed && seconds_since(started) < 20) {
        const ssize_t n = ::send(fd.get(), chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (errno != EAGAIN) {
            closed = true; // EPIPE or ECONNRESET
            break;
        }
        pollfd p{fd.get(), POLLOUT, 0};
        ::poll(&p, 1, 100);
        closed = (p.revents & (POLLERR | POLLHUP)) != 0;
    }
    std::printf("sent %zu bytes; closed after %.1f s\n", sent, seconds_since(started));
    EXPECT_TRUE(closed) << "a client that never reads keeps its slot";
    EXPECT_TRUE(echod.log_contains("client stopped reading"));
    EXPECT_TRUE(stress::all_children_reaped(echod.pid()));
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
