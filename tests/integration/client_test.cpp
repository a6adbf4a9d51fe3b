// echo-client against the real echod: the quit-line rule end to end, a 100 MB
// pipe reproduced byte for byte, and a client that never lingers: not when
// the server dies under it, not when it is interrupted.
#include "helpers.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

namespace {

using namespace std::chrono_literals;

class ClientTest : public ::testing::Test {
protected:
    test::client_run run(std::string_view input)
    {
        return test::run_client({"127.0.0.1", std::to_string(echod.port())}, input);
    }
    test::echod_instance echod;
};

// The issue's own example: output is exactly the echo of the lines before
// the quit line; "c" is never sent (the server echoed 4 bytes), and since
// the input is not a terminal, the client says that it stopped short.
TEST_F(ClientTest, QuitLineEndsInput)
{
    const auto r = run("a\nb\nq\nc\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "a\nb\n");
    EXPECT_NE(r.err.find("input ended at a 'q' line at byte 4; the rest was not sent"), std::string::npos) << r.err;
    EXPECT_TRUE(echod.log_contains("ended: client closed; 4 bytes received, 4 sent back, ")) << echod.log();
}

TEST_F(ClientTest, QuitLineWithCrLf)
{
    const auto r = run("a\r\nb\r\nq\r\nc\r\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "a\r\nb\r\n");
}

TEST_F(ClientTest, UppercaseQ)
{
    const auto r = run("one\nQ\ntwo\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "one\n");
}

// End of input without a quit line: everything is echoed, exit 0.
TEST_F(ClientTest, EndOfInputWithoutQ)
{
    const auto r = run("a\nb\nlast line without newline");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "a\nb\nlast line without newline");
}

// Lines that only look like the quit line are data; "q" at end of input is
// the quit line, "q\r" at end of input is data.
TEST_F(ClientTest, NearMissesAreData)
{
    auto r = run("qq\n q\nq \nquit\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "qq\n q\nq \nquit\n");
    r = run("a\nq");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "a\n");
    r = run("a\nq\r");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "a\nq\r");
}

TEST_F(ClientTest, EmptyInput)
{
    const auto r = run("");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
}

// Files compared in pieces: 100 MB twice in memory is too much for CI.
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b, std::string& why)
{
    std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
    std::vector<char> bx(1 << 20), by(1 << 20);
    for (std::uint64_t offset = 0;;) {
        x.read(bx.data(), static_cast<std::streamsize>(bx.size()));
        y.read(by.data(), static_cast<std::streamsize>(by.size()));
        const auto nx = static_cast<std::size_t>(x.gcount()), ny = static_cast<std::size_t>(y.gcount());
        const auto common = std::min(nx, ny);
        for (std::size_t i = 0; i < common; ++i)
            if (bx[i] != by[i]) {
                why = "first difference at byte " + std::to_string(offset + i);
                return false;
            }
        if (nx != ny) {
            why = "lengths differ after byte " + std::to_string(offset + common);
            return false;
        }
        if (nx == 0)
            return true;
        offset += nx;
    }
}

// 100 MB of text lines (base64 alphabet, so q and Q occur but never alone on
// a line) through the client: stdout is the input, byte for byte.
TEST_F(ClientTest, HundredMegabytesOfTextByteForByte)
{
    test::temp_dir dir;
    const auto input = dir / "input";
    {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::mt19937 gen(100);
        std::ofstream out(input, std::ios::binary);
        std::string line(77, '\n');
        for (std::size_t written = 0; written < 100'000'000; written += line.size()) {
            for (std::size_t i = 0; i < 76; ++i)
                line[i] = alphabet[gen() % 64];
            out.write(line.data(), static_cast<std::streamsize>(line.size()));
        }
        ASSERT_TRUE(out.good());
    }
    test::spawn_options o;
    o.argv = {test::echo_client_binary(), "127.0.0.1", std::to_string(echod.port())};
    o.stdin_mode = test::spawn_options::input::file;
    o.stdin_file = input;
    o.stdout_file = dir / "output";
    o.stderr_file = dir / "errors";
    auto client = test::process::spawn(std::move(o));
    const auto status = client.wait_for(120s);
    ASSERT_TRUE(status.has_value()) << "echo-client did not finish 100 MB within 120 s";
    EXPECT_EQ(*status, 0) << client.stderr_text();
    std::string why;
    EXPECT_TRUE(same_file(input, dir / "output", why)) << why;
}

// The server side of a session dies (SIGKILL to echod's child) while the
// client's stdin stays open and silent: the client must notice from the
// socket alone, say so, exit non-zero, and leave no process behind.
TEST_F(ClientTest, ServerDeathIsNoticedWithoutMoreInput)
{
    test::temp_dir dir;
    auto client = itest::spawn_client(dir, "127.0.0.1", echod.port());
    client.write_stdin("hello\n");
    ASSERT_TRUE(test::eventually([&] { return client.stdout_text() == "hello\n"; }))
        << "no echo; stderr: " << client.stderr_text();

    const auto readers = itest::live_children(client.pid());
    ASSERT_EQ(readers.size(), 1U) << "the client should have exactly one reader child";
    const auto servers = itest::live_children(echod.pid());
    ASSERT_EQ(servers.size(), 1U);
    ASSERT_EQ(::kill(servers.front(), SIGKILL), 0);

    const auto status = client.wait_for(15s); // stdin is still open: only the socket can tell
    ASSERT_TRUE(status.has_value()) << "client did not notice the server's death";
    EXPECT_NE(*status, 0);
    const std::string err = client.stderr_text();
    EXPECT_TRUE(itest::one_line(err)) << "stderr: " << err;
    EXPECT_NE(err.find("closed the connection"), std::string::npos) << err;
    EXPECT_TRUE(test::eventually([&] { return !test::alive(readers.front()); }))
        << "reader " << readers.front() << " outlived the client";
    EXPECT_FALSE(test::alive(client.pid()));
    // echod itself notices: the child was killed by a signal it did not send.
    EXPECT_TRUE(echod.log_contains("was killed by signal 9")) << echod.log();
}

// A reset while the echo is awaited: the message names the server and what
// came back, as every other failure message does (not only "connection
// lost: Connection reset by peer").
TEST(ClientLostConnection, ResetNamesTheServerAndTheCounts)
{
    auto listener = itest::reserve_port();
    ASSERT_EQ(::listen(listener.fd.get(), 1), 0);
    test::temp_dir dir;
    auto client = itest::spawn_client(dir, "127.0.0.1", listener.port);
    client.write_stdin("hello\n");
    echo::unique_fd served(::accept4(listener.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(served) << std::strerror(errno);
    EXPECT_EQ(test::read_exactly(served.get(), 6), "hello\n");
    test::set_linger_reset(served.get());
    served.reset(); // a reset, not a FIN: the reader's read fails
    const auto status = client.wait_for(15s);
    ASSERT_TRUE(status.has_value()) << client.stderr_text();
    EXPECT_EQ(*status, 1) << client.stderr_text();
    const std::string err = client.stderr_text();
    EXPECT_TRUE(itest::one_line(err)) << err;
    EXPECT_NE(err.find("connection lost to 127.0.0.1:" + std::to_string(listener.port) + ": "), std::string::npos)
        << err;
    EXPECT_NE(err.find("(0 of 6 bytes came back)"), std::string::npos) << err;
}

// Every --link-timeout the option takes works. The keepalive idle time once
// was half of it, and the kernel takes no TCP_KEEPIDLE above 32767 s, so
// 70000 failed after connecting ("setsockopt TCP_KEEPIDLE: Invalid argument").
TEST_F(ClientTest, EveryLinkTimeoutUpToADayWorks)
{
    for (const char* seconds : {"1", "65535", "70000", "86400"}) {
        const auto r = test::run_client({"--link-timeout", seconds, "127.0.0.1", std::to_string(echod.port())}, "a\n");
        EXPECT_EQ(r.status, 0) << "--link-timeout " << seconds << ": " << r.err;
        EXPECT_EQ(r.out, "a\n");
    }
    const auto r = test::run_client({"--link-timeout", "86401", "127.0.0.1", std::to_string(echod.port())}, "a\n");
    EXPECT_EQ(r.status, 64) << r.err;
    EXPECT_NE(r.err.find("from 0 to 86400"), std::string::npos) << r.err;
}

// Ctrl-C or SIGTERM: the client exits 128+N with a message, and its reader
// child is gone too.
class ClientSignalTest : public ClientTest, public ::testing::WithParamInterface<int> {};

TEST_P(ClientSignalTest, InterruptedClientExitsWithSignalStatus)
{
    const int signo = GetParam();
    test::temp_dir dir;
    auto client = itest::spawn_client(dir, "127.0.0.1", echod.port());
    client.write_stdin("still typing\n");
    ASSERT_TRUE(test::eventually([&] { return client.stdout_text() == "still typing\n"; }))
        << client.stderr_text();
    const auto readers = itest::live_children(client.pid());
    ASSERT_EQ(readers.size(), 1U);

    client.signal(signo);
    const auto status = client.wait_for(15s);
    ASSERT_TRUE(status.has_value()) << "client ignored " << ::sigabbrev_np(signo);
    EXPECT_EQ(*status, 128 + signo);
    const std::string err = client.stderr_text();
    EXPECT_TRUE(itest::one_line(err)) << err;
    EXPECT_NE(err.find(std::string("SIG") + ::sigabbrev_np(signo)), std::string::npos) << err;
    EXPECT_TRUE(test::eventually([&] { return !test::alive(readers.front()); }))
        << "reader " << readers.front() << " outlived the client";
    // The server's child sees the connection end and goes away as well.
    EXPECT_TRUE(test::eventually([&] { return test::children_of(echod.pid()).empty(); }));
}

INSTANTIATE_TEST_SUITE_P(Signals, ClientSignalTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& p) { return std::string("SIG") + ::sigabbrev_np(p.param); });

// A real Ctrl-C goes to the whole foreground process group, reader included.
TEST_F(ClientTest, CtrlCToTheProcessGroup)
{
    test::temp_dir dir;
    test::spawn_options o;
    o.argv = {test::echo_client_binary(), "127.0.0.1", std::to_string(echod.port())};
    o.stdin_mode = test::spawn_options::input::pipe;
    o.stdout_file = dir / "out";
    o.stderr_file = dir / "err";
    o.in_child = [] { ::setpgid(0, 0); };
    auto client = test::process::spawn(std::move(o));
    client.write_stdin("x\n");
    ASSERT_TRUE(test::eventually([&] { return client.stdout_text() == "x\n"; })) << client.stderr_text();
    const auto readers = itest::live_children(client.pid());
    ASSERT_EQ(readers.size(), 1U);
    ASSERT_EQ(::kill(-client.pid(), SIGINT), 0);
    const auto status = client.wait_for(15s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 128 + SIGINT) << client.stderr_text();
    EXPECT_TRUE(test::eventually([&] { return !test::alive(readers.front()); }));
}

} // namespace
