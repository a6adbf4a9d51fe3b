// echo-client tells the truth (issue 17): --raw sends all of its input, a
// quit line that cuts data short says so, the exit status is 0 only when the
// echo is byte for byte what was sent (not merely as long), and --wait bounds
// a server that never echoes. Run against echod, socat and openbsd-inetd, and
// against servers that upper-case, add, drop, change or withhold bytes.
#include "foreign_servers.hpp"
#include "helpers.hpp"

#include "echo/exit_status.hpp"
#include "echo/io.hpp"

#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <random>
#include <thread>

namespace {

using namespace std::chrono_literals;
namespace status = echo::exit_status;

// Random bytes without a single "\n", so the only lines are the ones planted.
std::string random_without_newlines(std::size_t n, unsigned seed)
{
    std::string s = test::random_bytes(n, seed);
    for (auto& c : s)
        if (c == '\n')
            c = 'n';
    return s;
}

// 10 MB of binary with quit lines inside, as the issue found them in random
// files: "\nq\n" at byte 1,000,000, "\nQ\r\n" at 3,103,364, and a last line "q".
struct planted_binary {
    std::string data;
    std::size_t first_quit_letter = 0; // offset of the 'q' of the first quit line
};

planted_binary binary_with_quit_lines()
{
    planted_binary b{random_without_newlines(10'000'000, 17), 1'000'001};
    b.data.replace(1'000'000, 3, "\nq\n");
    b.data.replace(3'103'364, 4, "\nQ\r\n");
    b.data.replace(b.data.size() - 2, 2, "\nq");
    return b;
}

std::string quit_message(char letter, std::size_t at)
{
    return std::string("input ended at a '") + letter + "' line at byte " + std::to_string(at) +
           "; the rest was not sent; --raw sends everything";
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------
// The same client behaviour against echod and two echo servers nobody here wrote.

enum class peer { echod, socat, inetd };

class ClientAgainstPeers : public ::testing::TestWithParam<peer> {
protected:
    void SetUp() override
    {
        switch (GetParam()) {
        case peer::echod:
            echod_.emplace();
            port_ = echod_->port();
            return;
        case peer::socat:
            server_ = itest::start_socat(dir_);
            break;
        case peer::inetd:
            server_ = itest::start_inetd(dir_);
            break;
        }
        if (!server_.unavailable.empty())
            GTEST_SKIP() << server_.unavailable;
        port_ = server_.port;
    }

    test::client_run run(std::vector<std::string> options, std::string_view input)
    {
        options.insert(options.end(), {"127.0.0.1", std::to_string(port_)});
        return test::run_client(options, input, 120s);
    }

    test::temp_dir dir_;
    std::optional<test::echod_instance> echod_;
    itest::foreign_server server_;
    unsigned port_ = 0;
};

TEST_P(ClientAgainstPeers, RawRoundTripsBinaryWithQuitLinesInsideByteForByte)
{
    const auto input = binary_with_quit_lines();
    const auto r = run({"--raw"}, input.data);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    ASSERT_EQ(r.out.size(), input.data.size());
    EXPECT_TRUE(r.out == input.data) << "the echo differs from the input";
}

// Without --raw the quit line still ends the input (the design), but the
// client says that it cut the input short, and where.
TEST_P(ClientAgainstPeers, QuitLineInDataEndsInputAndSaysWhere)
{
    const auto input = binary_with_quit_lines();
    const auto r = run({}, input.data);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out == input.data.substr(0, input.first_quit_letter))
        << "expected the " << input.first_quit_letter << " bytes before the quit line, got " << r.out.size();
    EXPECT_TRUE(itest::one_line(r.err)) << r.err;
    EXPECT_TRUE(contains(r.err, quit_message('q', input.first_quit_letter))) << r.err;
}

TEST_P(ClientAgainstPeers, LinesRoundTrip)
{
    const auto r = run({}, "a\nb\nlast line without newline");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "a\nb\nlast line without newline");
    EXPECT_EQ(r.err, "");
}

INSTANTIATE_TEST_SUITE_P(Peers, ClientAgainstPeers, ::testing::Values(peer::echod, peer::socat, peer::inetd),
                         [](const auto& p) {
                             switch (p.param) {
                             case peer::echod: return std::string("echod");
                             case peer::socat: return std::string("socat");
                             case peer::inetd: return std::string("inetd");
                             }
                             return std::string("unknown");
                         });

// ---------------------------------------------------------------------------
// The quit-line message: only when something followed, never at a terminal.

class QuitLineReport : public ::testing::Test {
protected:
    test::client_run run(std::string_view input)
    {
        return test::run_client({"127.0.0.1", std::to_string(echod.port())}, input);
    }
    test::echod_instance echod;
};

TEST_F(QuitLineReport, NamesTheByteWhereInputEnded)
{
    auto r = run("a\nb\nq\nc\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "a\nb\n");
    EXPECT_TRUE(contains(r.err, quit_message('q', 4))) << r.err;
    r = run("one\nQ\r\ntwo\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.err, quit_message('Q', 4))) << r.err;
}

TEST_F(QuitLineReport, SilentWhenNothingFollows)
{
    for (const char* input : {"a\nq\n", "a\nq", "a\nQ\r\n", "q\n"}) {
        const auto r = run(input);
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.err, "") << ::testing::PrintToString(input);
    }
}

// The quit line ends exactly where one read of the input ends (the client
// reads 128 KiB at a time from a file), so only the next read can tell that
// more followed.
TEST_F(QuitLineReport, SeesWhatFollowsPastTheEndOfARead)
{
    std::string input(128 * 1024 - 3, 'x');
    input += "\nq\n";
    input += "rest\n";
    const auto r = run(input);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.size(), 128U * 1024 - 2);
    EXPECT_TRUE(contains(r.err, quit_message('q', 128 * 1024 - 2))) << r.err;
}

// Someone typing q at a terminal meant it: no message.
TEST_F(QuitLineReport, SilentAtATerminal)
{
    int master = -1, slave = -1;
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0)
        GTEST_SKIP() << "no pseudo-terminal here: " << std::strerror(errno);
    const echo::unique_fd master_fd(master), slave_fd(slave);
    test::temp_dir dir;
    test::spawn_options o;
    o.argv = {test::echo_client_binary(), "127.0.0.1", std::to_string(echod.port())};
    o.stdout_file = dir / "out";
    o.stderr_file = dir / "err";
    o.in_child = [slave] { ::dup2(slave, STDIN_FILENO); };
    auto client = test::process::spawn(std::move(o));
    const std::string typed = "a\nq\nmore\n";
    ASSERT_EQ(::write(master, typed.data(), typed.size()), static_cast<ssize_t>(typed.size()));
    const auto st = client.wait_for(20s);
    ASSERT_TRUE(st.has_value()) << client.stderr_text();
    EXPECT_EQ(*st, 0) << client.stderr_text();
    EXPECT_EQ(client.stdout_text(), "a\n");
    EXPECT_EQ(client.stderr_text(), "");
}

// ---------------------------------------------------------------------------
// Servers that are not echo servers: the status says so, and the message
// says how.

test::client_run run_against(unsigned port, std::string_view input, std::vector<std::string> options = {},
                             std::chrono::milliseconds deadline = 60s)
{
    options.insert(options.end(), {"127.0.0.1", std::to_string(port)});
    return test::run_client(options, input, deadline);
}

void echo_transformed(int connection, const std::function<void(std::string&)>& change)
{
    std::string all = itest::read_to_end_of_input(connection);
    change(all);
    test::send_all(connection, all);
}

TEST(ClientVerifiesTheEcho, UpperCasingServer)
{
    itest::scripted_server server([](int c, int) {
        echo_transformed(c, [](std::string& s) {
            for (auto& ch : s)
                ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        });
    });
    const auto r = run_against(server.port(), "hello world\n");
    EXPECT_EQ(r.status, status::not_an_echo) << r.err;
    EXPECT_EQ(r.out, "HELLO WORLD\n");
    EXPECT_TRUE(itest::one_line(r.err)) << r.err;
    EXPECT_TRUE(contains(r.err, "echoed different bytes: the first difference is in bytes 0 to 11 (12 bytes came back, "
                                "12 were sent)"))
        << r.err;
}

TEST(ClientVerifiesTheEcho, SocatUpperCasing)
{
    test::temp_dir dir;
    auto socat = itest::start_socat(dir, "SYSTEM:tr a-z A-Z");
    if (!socat.unavailable.empty())
        GTEST_SKIP() << socat.unavailable;
    const auto r = run_against(socat.port, "hello\nworld\n");
    EXPECT_EQ(r.status, status::not_an_echo) << r.err;
    EXPECT_EQ(r.out, "HELLO\nWORLD\n");
    EXPECT_TRUE(contains(r.err, "echoed different bytes: the first difference is in bytes 0 to 11")) << r.err;
}

// One changed byte deep in a 1 MB stream: the message places it within its
// 64 KiB block.
TEST(ClientVerifiesTheEcho, PlacesTheFirstDifference)
{
    itest::scripted_server server([](int c, int) {
        echo_transformed(c, [](std::string& s) { s[200'000] = static_cast<char>(s[200'000] ^ 1); });
    });
    const auto r = run_against(server.port(), test::random_bytes(1'000'000, 5), {"--raw"});
    EXPECT_EQ(r.status, status::not_an_echo) << r.err;
    EXPECT_TRUE(contains(r.err, "the first difference is in bytes 196608 to 262143")) << r.err;
}

TEST(ClientVerifiesTheEcho, ServerThatAddsBytes)
{
    itest::scripted_server server([](int c, int) { echo_transformed(c, [](std::string& s) { s += "EXTRA"; }); });
    const auto r = run_against(server.port(), "abc");
    EXPECT_EQ(r.status, status::not_an_echo) << r.err;
    EXPECT_TRUE(itest::one_line(r.err)) << r.err;
    EXPECT_TRUE(contains(r.err, "echoed more than it was sent: 8 bytes came back when 3 had been sent")) << r.err;
}

TEST(ClientVerifiesTheEcho, SocatAddingBytes)
{
    test::temp_dir dir;
    auto socat = itest::start_socat(dir, "SYSTEM:cat; printf EXTRA");
    if (!socat.unavailable.empty())
        GTEST_SKIP() << socat.unavailable;
    const auto r = run_against(socat.port, "abc");
    EXPECT_EQ(r.status, status::not_an_echo) << r.err;
    EXPECT_TRUE(contains(r.err, "echoed more than it was sent: 8 bytes came back when 3 had been sent")) << r.err;
}

// More than was sent is certain long before the end: a server that keeps
// sending and never closes does not keep the client (16 MB of junk, then
// silence: a client that waited for the close would hang).
TEST(ClientVerifiesTheEcho, ExtraBytesEndTheClientWithoutWaitingForTheClose)
{
    itest::scripted_server server([](int c, int stop) {
        (void)itest::read_to_end_of_input(c);
        const std::string junk(65536, 'j');
        for (int i = 0; i < 256 && echo::send_all(c, junk).ok(); ++i) {
        }
        itest::hold_until_stopped(stop);
    });
    const auto r = run_against(server.port(), "abc", {"--wait", "0"}, 20s);
    EXPECT_EQ(r.status, status::not_an_echo) << r.err;
    EXPECT_TRUE(contains(r.err, "echoed more than it was sent")) << r.err;
}

// Fewer bytes keep their old status and message.
TEST(ClientVerifiesTheEcho, ServerThatDropsBytes)
{
    itest::scripted_server server([](int c, int) { echo_transformed(c, [](std::string& s) { s.resize(2); }); });
    const auto r = run_against(server.port(), "abcd");
    EXPECT_EQ(r.status, status::failure) << r.err;
    EXPECT_EQ(r.out, "ab");
    EXPECT_TRUE(contains(r.err, "closed the connection after echoing 2 of 4 bytes")) << r.err;
}

// ---------------------------------------------------------------------------
// --wait: a server that leaves the client waiting.

TEST(ClientWait, BoundsAServerThatNeverEchoes)
{
    itest::scripted_server server([](int c, int stop) {
        (void)itest::read_to_end_of_input(c);
        itest::hold_until_stopped(stop); // the connection stays open, silent
    });
    const auto started = std::chrono::steady_clock::now();
    const auto r = run_against(server.port(), "hello\n", {"--wait", "1"});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.status, status::wait_expired) << r.err;
    EXPECT_TRUE(itest::one_line(r.err)) << r.err;
    EXPECT_TRUE(contains(r.err, "no echo from 127.0.0.1:" + std::to_string(server.port()) +
                                    " for 1 s after the end of input (0 of 6 bytes came back; see --wait)"))
        << r.err;
    EXPECT_LT(took, 20s); // the bound is 1 s; the rest is a loaded machine's slack
}

// A server that takes no input at all: the client's input never ends, but
// it waits on the server all the same.
TEST(ClientWait, BoundsAServerThatTakesNoInput)
{
    itest::scripted_server server([](int, int stop) { itest::hold_until_stopped(stop); });
    const auto r = run_against(server.port(), std::string(32 << 20, 'x'), {"--wait", "1", "--raw"});
    EXPECT_EQ(r.status, status::wait_expired) << r.err;
    EXPECT_TRUE(contains(r.err, " neither took input nor echoed for 1 s (")) << r.err;
}

TEST(ClientWait, ZeroWaitsForever)
{
    itest::scripted_server server([](int c, int stop) {
        (void)itest::read_to_end_of_input(c);
        itest::hold_until_stopped(stop);
    });
    test::temp_dir dir;
    test::write_file(dir / "in", "hello\n");
    test::spawn_options o;
    o.argv = {test::echo_client_binary(), "--wait", "0", "127.0.0.1", std::to_string(server.port())};
    o.stdin_mode = test::spawn_options::input::file;
    o.stdin_file = dir / "in";
    o.stderr_file = dir / "err";
    auto client = test::process::spawn(std::move(o));
    EXPECT_FALSE(client.wait_for(3s).has_value()) << "gave up with --wait 0: " << client.stderr_text();
}

// The client's own stdout, unread for longer than --wait (a paused pager),
// holds the echo back: that is not the server's silence.
TEST(ClientWait, ASlowReaderOfTheOutputIsNotASilentServer)
{
    test::echod_instance echod;
    test::temp_dir dir;
    const std::string input = test::random_bytes(8 << 20, 9);
    test::write_file(dir / "in", input);
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    echo::unique_fd out_read(out[0]), out_write(out[1]);
    test::spawn_options o;
    o.argv = {test::echo_client_binary(), "--raw", "--wait", "1", "127.0.0.1", std::to_string(echod.port())};
    o.stdin_mode = test::spawn_options::input::file;
    o.stdin_file = dir / "in";
    o.stderr_file = dir / "err";
    o.in_child = [fd = out[1]] { ::dup2(fd, STDOUT_FILENO); };
    auto client = test::process::spawn(std::move(o));
    out_write.reset();
    std::this_thread::sleep_for(3s); // nobody reads the output meanwhile
    std::string echoed;
    char buffer[65536];
    for (ssize_t n; (n = ::read(out_read.get(), buffer, sizeof buffer)) > 0;)
        echoed.append(buffer, static_cast<std::size_t>(n));
    const auto st = client.wait_for(30s);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(*st, 0) << client.stderr_text();
    EXPECT_TRUE(echoed == input) << "echo of " << echoed.size() << " bytes differs";
}

} // namespace
