// read_some / write_all / send_all against real socketpairs with the smallest
// buffers the kernel allows, so writes are partial and reads are short; real
// signals (no SA_RESTART) interrupt calls that are really blocked.
#include "echo/io.hpp"
#include "echo/signals.hpp"
#include "echo/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <random>
#include <string>
#include <thread>

namespace {

struct socket_pair {
    echo::unique_fd a;
    echo::unique_fd b;
};

// A connected AF_UNIX stream pair whose buffers are as small as possible.
socket_pair tiny_socketpair()
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        throw std::runtime_error("socketpair failed");
    socket_pair p{echo::unique_fd(fds[0]), echo::unique_fd(fds[1])};
    const int tiny = 1; // the kernel rounds up to its minimum
    for (int fd : {fds[0], fds[1]}) {
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &tiny, sizeof tiny);
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);
    }
    return p;
}

std::string pattern(std::size_t n, unsigned seed)
{
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s)
        c = static_cast<char>(gen());
    return s;
}

// Reads until end of file in small, varying pieces.
std::string drain_in_small_reads(int fd)
{
    std::string out;
    std::mt19937 gen(7);
    char buf[97];
    for (;;) {
        const std::size_t want = std::uniform_int_distribution<std::size_t>(1, sizeof buf)(gen);
        const auto r = echo::read_some(fd, {buf, want});
        if (!r.ok())
            throw std::runtime_error("read failed: errno " + std::to_string(r.error));
        if (r.bytes == 0)
            return out;
        out.append(buf, r.bytes);
    }
}

// True once thread `tid` of this process sleeps inside system call `nr`: a
// signal sent then interrupts that very call, not the code around it.
bool blocked_in(pid_t tid, long nr)
{
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/syscall");
    std::string first;
    return (in >> first) && first == std::to_string(nr);
}

void wait_until_blocked_in(pid_t tid, long nr)
{
    // A liveness bound, not a timing assertion: the thread gets there at once.
    for (int i = 0; i < 200'000 && !blocked_in(tid, nr); ++i)
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    ASSERT_TRUE(blocked_in(tid, nr)) << "thread never blocked in syscall " << nr;
}

volatile std::sig_atomic_t stop_flag = 0;
std::atomic<int> handled{0};

void on_usr1(int)
{
    stop_flag = 1;
    handled.fetch_add(1);
}

// Installs the SIGUSR1 handler (without SA_RESTART) for one test.
class InterruptTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        stop_flag = 0;
        handled = 0;
        echo::interrupt_on(SIGUSR1, on_usr1);
    }
    void TearDown() override { echo::default_action(SIGUSR1); }

    // Sends SIGUSR1 to the thread and waits until the handler has run.
    static void interrupt(pthread_t thread)
    {
        const int before = handled.load();
        ASSERT_EQ(::pthread_kill(thread, SIGUSR1), 0);
        while (handled.load() == before)
            std::this_thread::yield();
    }
};

TEST(ReadSome, ShortReadsAndEndOfFile)
{
    auto p = tiny_socketpair();
    ASSERT_TRUE(echo::write_all(p.a.get(), "hello").ok());
    char buf[3];
    auto r = echo::read_some(p.b.get(), buf);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.bytes, 3U);
    EXPECT_EQ(std::string(buf, 3), "hel");
    p.a.reset();
    r = echo::read_some(p.b.get(), buf);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.bytes, 2U);
    r = echo::read_some(p.b.get(), buf);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.bytes, 0U) << "end of file is a successful read of 0 bytes";
}

// 1 MiB through a buffer of a few KiB: write_all must loop over partial
// writes and lose or repeat nothing.
TEST(WriteAll, PartialWritesDeliverEveryByteInOrder)
{
    auto p = tiny_socketpair();
    const std::string data = pattern(1 << 20, 1);
    std::string received;
    std::thread reader([&] { received = drain_in_small_reads(p.b.get()); });
    const auto r = echo::write_all(p.a.get(), data);
    p.a.reset();
    reader.join();
    EXPECT_TRUE(r.ok()) << "errno " << r.error;
    EXPECT_EQ(r.bytes, data.size());
    EXPECT_TRUE(received == data) << "received " << received.size() << " bytes, sent " << data.size();
}

TEST(SendAll, PartialSendsDeliverEveryByteInOrder)
{
    auto p = tiny_socketpair();
    const std::string data = pattern(1 << 20, 2);
    std::string received;
    std::thread reader([&] { received = drain_in_small_reads(p.b.get()); });
    const auto r = echo::send_all(p.a.get(), data);
    p.a.reset();
    reader.join();
    EXPECT_TRUE(r.ok()) << "errno " << r.error;
    EXPECT_EQ(r.bytes, data.size());
    EXPECT_TRUE(received == data) << "received " << received.size() << " bytes, sent " << data.size();
}

// When a write stops early, `bytes` must say exactly how much went out, so a
// caller can account for it: the peer can read exactly that prefix.
TEST(WriteAll, ReportsBytesWrittenBeforeAnError)
{
    auto p = tiny_socketpair();
    ASSERT_EQ(::fcntl(p.a.get(), F_SETFL, O_NONBLOCK), 0);
    const std::string data = pattern(1 << 20, 3);
    const auto r = echo::write_all(p.a.get(), data);
    EXPECT_EQ(r.error, EAGAIN);
    EXPECT_GT(r.bytes, 0U);
    EXPECT_LT(r.bytes, data.size());
    p.a.reset();
    const std::string received = drain_in_small_reads(p.b.get());
    EXPECT_EQ(received.size(), r.bytes);
    EXPECT_TRUE(received == data.substr(0, r.bytes));
}

// send_all uses MSG_NOSIGNAL: a vanished peer is an EPIPE result, not a
// SIGPIPE that kills the process (SIGPIPE keeps its default action here).
// A write(2) that returns 0 for a non-empty buffer moves nothing and says
// nothing: calling it again would spin forever.
TEST(WriteAll, AWriteThatMovesNothingEndsAsAnErrorInsteadOfSpinning)
{
    int calls = 0;
    const auto r = echo::detail::put_all("abcdef", nullptr, [&calls](const char*, std::size_t n) -> ssize_t {
        ++calls;
        return calls == 1 ? static_cast<ssize_t>(n / 2) : 0;
    });
    EXPECT_EQ(r.bytes, 3U);
    EXPECT_EQ(r.error, EIO);
    EXPECT_EQ(calls, 2);
}

TEST(SendAll, ClosedPeerIsEpipeNotSigpipe)
{
    echo::default_action(SIGPIPE);
    auto p = tiny_socketpair();
    p.b.reset();
    const auto r = echo::send_all(p.a.get(), "data for nobody");
    EXPECT_EQ(r.error, EPIPE);
    EXPECT_EQ(r.bytes, 0U);
}

// Plain write(2) needs SIGPIPE ignored, which is what echod and the client do.
TEST(WriteAll, ClosedPeerIsEpipeWhenSigpipeIsIgnored)
{
    echo::ignore_sigpipe();
    auto p = tiny_socketpair();
    p.b.reset();
    const auto r = echo::write_all(p.a.get(), "data for nobody");
    echo::default_action(SIGPIPE);
    EXPECT_EQ(r.error, EPIPE);
}

// Without a stop flag, a signal that interrupts a blocked read is retried:
// the caller sees the data that arrives afterwards, never EINTR.
TEST_F(InterruptTest, ReadRetriesAfterEintrWithoutStopFlag)
{
    auto p = tiny_socketpair();
    std::atomic<pid_t> tid{0};
    echo::io_result r;
    char buf[16];
    std::thread reader([&] {
        tid = static_cast<pid_t>(::syscall(SYS_gettid));
        r = echo::read_some(p.b.get(), buf);
    });
    while (tid.load() == 0)
        std::this_thread::yield();
    wait_until_blocked_in(tid, SYS_read);
    interrupt(reader.native_handle());
    ASSERT_TRUE(echo::write_all(p.a.get(), "after").ok());
    reader.join();
    EXPECT_TRUE(r.ok()) << "errno " << r.error;
    EXPECT_EQ(std::string(buf, r.bytes), "after");
}

// With the stop flag set by the handler, the blocked read gives up with EINTR:
// this is how an echod child leaves its loop on SIGTERM.
TEST_F(InterruptTest, ReadGivesUpWhenStopFlagIsSet)
{
    auto p = tiny_socketpair();
    std::atomic<pid_t> tid{0};
    echo::io_result r;
    std::thread reader([&] {
        tid = static_cast<pid_t>(::syscall(SYS_gettid));
        char buf[16];
        r = echo::read_some(p.b.get(), buf, &stop_flag);
    });
    while (tid.load() == 0)
        std::this_thread::yield();
    wait_until_blocked_in(tid, SYS_read);
    interrupt(reader.native_handle());
    reader.join();
    EXPECT_EQ(r.error, EINTR);
    EXPECT_EQ(r.bytes, 0U);
}

// A write blocked on a full buffer (the peer does not read) must also give up
// once the stop flag is set, reporting how much went out. Linux returns the
// partial count rather than EINTR when a signal interrupts a write that has
// already moved data, so write_all must look at the flag after a partial
// write too; otherwise it blocks again until the peer reads.
TEST_F(InterruptTest, BlockedWriteGivesUpWhenStopFlagIsSet)
{
    auto p = tiny_socketpair();
    const std::string data = pattern(1 << 20, 4);
    std::atomic<pid_t> tid{0};
    std::atomic<bool> done{false};
    echo::io_result r;
    std::thread writer([&] {
        tid = static_cast<pid_t>(::syscall(SYS_gettid));
        r = echo::write_all(p.a.get(), data, &stop_flag);
        done = true;
    });
    while (tid.load() == 0)
        std::this_thread::yield();
    wait_until_blocked_in(tid, SYS_write);
    interrupt(writer.native_handle());

    // Drain the peer until the writer has returned and nothing is left. This
    // ends whether or not write_all honours the flag: if it does not, the
    // drain lets it finish the whole megabyte, which the checks below catch.
    std::string received;
    char buf[65536];
    for (;;) {
        pollfd pfd{p.b.get(), POLLIN, 0};
        if (::poll(&pfd, 1, 100) > 0) {
            const auto in = echo::read_some(p.b.get(), buf);
            ASSERT_TRUE(in.ok());
            received.append(buf, in.bytes);
        } else if (done) {
            break;
        }
    }
    writer.join();
    EXPECT_EQ(r.error, EINTR) << "write_all kept writing after the stop flag was set (wrote " << r.bytes << " of "
                              << data.size() << " bytes): common/src/io.cpp put_all does not check the flag "
                                                "after a partial write";
    EXPECT_LT(r.bytes, data.size());
    EXPECT_EQ(received.size(), r.bytes) << "bytes must count exactly what the peer can read";
    EXPECT_TRUE(received == data.substr(0, received.size()));
}

} // namespace
