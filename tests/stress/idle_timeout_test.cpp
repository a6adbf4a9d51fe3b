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
#include <cstdlib>
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

// Issue 17: the idle timeout is a deadline for progress, not a timer per
// send() call. A client that keeps sending and never reads lets the kernel
// accept a little more now and then (its receive buffer grows), so each
// send() of the echo returns a short count just before SO_SNDTIMEO expires;
// restarting the timer on that partial progress closed such a client after
// 2-3x the setting, logged as 1x.
TEST(IdleTimeout, ClientThatNeverReadsIsClosedWithinTheDeadline)
{
    constexpr double timeout = 3;
    stress::daemon echod({"--idle-timeout", "3"});
    echo::unique_fd fd = stress::connect_from("127.0.0.1", echod.port());
    timeval wait_at_most{1, 0}; // so the loop below sees the clock while blocked
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &wait_at_most, sizeof wait_at_most);

    // As the reproduction: blocking sends of 64 KiB until the server
    // closes, never reading.
    const std::string chunk = test::random_bytes(64 * 1024);
    const auto started = clock_type::now();
    double closed_after = -1;
    while (seconds_since(started) < 5 * timeout) {
        const ssize_t n = ::send(fd.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            closed_after = seconds_since(started); // EPIPE or ECONNRESET
            break;
        }
    }
    std::printf("closed after %.2f s with --idle-timeout 3\n", closed_after);
    ASSERT_GE(closed_after, 0) << "not closed within " << 5 * timeout << " s";
    EXPECT_GE(closed_after, timeout - 0.1) << echod.log();

    // The line says how long nothing could be sent back, as measured.
    ASSERT_TRUE(echod.log_contains("idle timeout: client stopped reading")) << echod.log();
    const std::string log = echod.log();
    const auto at = log.find("client stopped reading for ");
    ASSERT_NE(at, std::string::npos) << log;
    const double stated = std::strtod(log.c_str() + at + 27, nullptr);
    EXPECT_GE(stated, timeout - 0.1) << log;
    EXPECT_LE(stated, 1.2 * timeout) << log;
    EXPECT_LE(stated, closed_after + 0.1) << log;

    // The deadline runs from the moment the echo stops going out, which is
    // only once the buffers between the two sides are full: several MiB,
    // 0.1 s on a quiet machine, 0.43 s once on a loaded CI runner. So the
    // whole session is bounded loosely; the bug this guards against (the
    // timer restarted on partial progress) closed after 2-3x the setting.
    EXPECT_LE(closed_after, 1.5 * timeout) << log;
    EXPECT_TRUE(stress::all_children_reaped(echod.pid()));
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
