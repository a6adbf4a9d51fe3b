// Issue 13: polite clients under bursts. Clients from one address that never
// hold more than --max-per-source connections at once must never be refused,
// however fast they come and go: a child whose client is gone, exited or
// not yet reaped, is not a connection that client holds. And the limit still
// refuses a connection over it that is really open.
#include "daemon.hpp"
#include "loopback.hpp"
#include "net.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct tally {
    std::atomic<unsigned long> sessions{0}, exact{0}, wrong{0}, refused{0}, reset{0}, failed{0};
};

// Reads exactly `want` bytes or reports how the connection ended first:
// 0 = all read, ECONNRESET, -1 = closed (EOF), ETIMEDOUT, or another errno.
int read_echo(int fd, char* out, std::size_t want)
{
    std::size_t got = 0;
    while (got < want) {
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, 10'000);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return ETIMEDOUT;
        const ssize_t n = ::read(fd, out + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return -1;
        got += static_cast<std::size_t>(n);
    }
    return 0;
}

// connect, send 4 bytes, read them back, close; again and again until `end`.
void polite_client(unsigned port, unsigned id, clock_type::time_point end, tally& t)
{
    for (unsigned round = 0; clock_type::now() < end; ++round) {
        echo::unique_fd fd;
        try {
            fd = stress::connect_from("127.0.0.1", port);
        } catch (const std::exception&) {
            ++t.failed;
            continue;
        }
        ++t.sessions;
        const char sent[4] = {static_cast<char>('a' + id % 26), static_cast<char>(round),
                              static_cast<char>(round >> 8), '\n'};
        if (::send(fd.get(), sent, sizeof sent, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof sent)) {
            ++(errno == ECONNRESET || errno == EPIPE ? t.reset : t.failed);
            continue;
        }
        char back[4];
        switch (const int how = read_echo(fd.get(), back, sizeof back)) {
        case 0:
            ++(std::memcmp(sent, back, sizeof sent) == 0 ? t.exact : t.wrong);
            break;
        case -1:
            ++t.refused; // closed before echoing: what a refusal looks like
            break;
        default:
            ++(how == ECONNRESET ? t.reset : t.failed);
            break;
        }
    }
}

// The log at info holds two lines per session: show only those that matter.
std::string lines_with(const std::string& log, const std::string& text)
{
    std::istringstream in(log);
    std::string found;
    for (std::string line; std::getline(in, line);)
        if (line.find(text) != std::string::npos)
            found += line + "\n";
    return found;
}

void burst(stress::daemon& echod, unsigned clients, std::chrono::seconds how_long)
{
    tally t;
    const auto end = clock_type::now() + how_long;
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < clients; ++i)
        threads.emplace_back(polite_client, echod.port(), i, end, std::ref(t));
    for (auto& th : threads)
        th.join();

    std::cout << clients << " clients: " << t.sessions << " sessions, " << t.exact << " exact, " << t.wrong
              << " wrong, " << t.refused << " refused, " << t.reset << " reset, " << t.failed << " failed\n";
    EXPECT_GT(t.sessions, clients) << "the burst did not get going";
    EXPECT_EQ(t.refused, 0u);
    EXPECT_EQ(t.reset, 0u);
    EXPECT_EQ(t.wrong, 0u);
    EXPECT_EQ(t.failed, 0u);
    EXPECT_EQ(t.exact, t.sessions);
}

TEST(Burst, PoliteClientsFromOneAddressAreNeverRefusedWithDefaults)
{
    stress::daemon echod(std::vector<std::string>{}); // the defaults: max-per-source 64, log-level info
    burst(echod, 8, 4s);
    burst(echod, 60, 4s);
    EXPECT_EQ(echod.log_lines_with("refused"), 0u) << lines_with(echod.log(), "refused");
    EXPECT_EQ(echod.stop(), 0) << lines_with(echod.log(), "warning");
}

TEST(Burst, TheDefaultLimitStillRefusesThe65thOpenConnection)
{
    stress::daemon echod(std::vector<std::string>{});
    std::vector<echo::unique_fd> held;
    for (int i = 0; i < 64; ++i) {
        held.push_back(stress::connect_from("127.0.0.1", echod.port()));
        ASSERT_TRUE(stress::echoes(held.back().get(), "held\n")) << "connection " << i + 1;
    }
    const auto over = stress::connect_from("127.0.0.1", echod.port());
    test::send_all(over.get(), "one too many\n");
    EXPECT_TRUE(test::peer_closes(over.get(), 5s)) << "the 65th open connection from 127.0.0.1 was served";
    EXPECT_TRUE(echod.log_contains("(max-per-source)")) << echod.log();
    for (const auto& fd : held)
        EXPECT_TRUE(stress::echoes(fd.get(), "still served\n"));
    held.clear();
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
