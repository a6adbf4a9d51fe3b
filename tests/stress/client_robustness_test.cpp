// echo-client under every failure issue 5 lists: it must exit promptly with a
// clear message and the documented status (echo/exit_status.hpp), and leave
// no process behind, neither itself nor its reading child.
#include "daemon.hpp"
#include "loopback.hpp"
#include "net.hpp"
#include "proc.hpp"

#include "echo/exit_status.hpp"
#include "echo/unique_fd.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace {

using namespace std::chrono_literals;

namespace status = echo::exit_status;
using clock_type = std::chrono::steady_clock;

// "Promptly", on a loaded machine.
constexpr auto prompt = 5s;

// A listening socket the test drives by hand, to misbehave as a server.
class scripted_server {
public:
    scripted_server() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
    {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_.get(), 8) != 0)
            throw std::runtime_error("scripted server: cannot listen");
        socklen_t len = sizeof a;
        ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    [[nodiscard]] unsigned port() const { return port_; }
    [[nodiscard]] echo::unique_fd accept_one() const { return echo::unique_fd(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC)); }

private:
    echo::unique_fd fd_;
    unsigned port_ = 0;
};

// One echo-client talking to 127.0.0.1:PORT, stdin a pipe the test writes.
class client {
public:
    explicit client(unsigned port, std::function<void()> in_child = {}, std::vector<std::string> options = {})
    {
        test::spawn_options o;
        o.argv = {stress::echo_client_path()};
        o.argv.insert(o.argv.end(), options.begin(), options.end());
        o.argv.insert(o.argv.end(), {"127.0.0.1", std::to_string(port)});
        o.stdin_mode = test::spawn_options::input::pipe;
        o.stdout_file = dir_ / "out";
        o.stderr_file = dir_ / "err";
        o.in_child = [extra = std::move(in_child)] {
            ::setpgid(0, 0); // its own process group, as a shell job: Ctrl-C goes to the group
            if (extra)
                extra();
        };
        proc_ = test::process::spawn(std::move(o));
    }

    // Waits until it has connected and forked its reader; returns the reader's pid.
    pid_t wait_for_reader()
    {
        if (!test::eventually([&] { return test::children_of(proc_.pid()).size() == 1; }, 10s))
            throw std::runtime_error("echo-client did not fork its reader; stderr: " + err());
        reader_ = test::children_of(proc_.pid()).front();
        return reader_;
    }

    test::process& proc() { return proc_; }
    [[nodiscard]] std::string out() const { return proc_.stdout_text(); }
    [[nodiscard]] std::string err() const { return proc_.stderr_text(); }
    [[nodiscard]] pid_t reader() const { return reader_; }

    // Its exit status, timing how long it took since `since`.
    std::optional<int> exit_status(clock_type::time_point since, std::chrono::milliseconds deadline = prompt)
    {
        auto s = proc_.wait_for(deadline);
        took_ = clock_type::now() - since;
        return s;
    }

    // Every process of it is gone (its reader may have been handed to us as subreaper).
    [[nodiscard]] bool left_nothing() const
    {
        const bool gone = test::eventually([&] { return !test::alive(reader_); }, prompt);
        ::waitpid(reader_, nullptr, WNOHANG);
        return gone;
    }

private:
    test::temp_dir dir_;
    test::process proc_;
    pid_t reader_ = -1;
    clock_type::duration took_{};
};

class ClientRobustness : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        // The client's stdin is our pipe: writing to it after it exits must be an error, not our death.
        ::signal(SIGPIPE, SIG_IGN);
        // Orphans of the client (a reader that outlives it) come to us, so we can see them.
        ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    }

    // Starts a client that has echoed a first line through echod.
    std::unique_ptr<client> connected_client(std::function<void()> in_child = {})
    {
        auto c = std::make_unique<client>(echod.port(), std::move(in_child));
        c->proc().write_stdin("first line\n");
        c->wait_for_reader();
        if (!test::eventually([&] { return c->out() == "first line\n"; }, 10s))
            throw std::runtime_error("no echo of the first line; stderr: " + c->err());
        return c;
    }

    stress::daemon echod{{"--log-level", "warning"}};
};

TEST_F(ClientRobustness, ServerClosesMidStream)
{
    scripted_server server;
    client c(server.port());
    c.proc().write_stdin(std::string(10000, 'a') + "\n");
    const auto conn = server.accept_one();
    ASSERT_TRUE(conn);
    c.wait_for_reader();
    const auto some = test::read_exactly(conn.get(), 5000);
    test::send_all(conn.get(), some);
    const auto at = clock_type::now();
    ::shutdown(conn.get(), SHUT_WR); // a FIN while the client still has input to send
    EXPECT_EQ(c.exit_status(at), status::failure) << c.err();
    EXPECT_NE(c.err().find("closed the connection"), std::string::npos) << c.err();
    EXPECT_TRUE(c.left_nothing());
}

TEST_F(ClientRobustness, ServerResetsMidStream)
{
    scripted_server server;
    client c(server.port());
    c.proc().write_stdin(std::string(10000, 'a') + "\n");
    auto conn = server.accept_one();
    ASSERT_TRUE(conn);
    c.wait_for_reader();
    test::send_all(conn.get(), test::read_exactly(conn.get(), 5000));
    const auto at = clock_type::now();
    test::set_linger_reset(conn.get());
    conn.reset();
    EXPECT_EQ(c.exit_status(at), status::failure) << c.err();
    // Named: which server, and how much of what was sent came back.
    EXPECT_NE(c.err().find("connection lost to 127.0.0.1:" + std::to_string(server.port()) + ": Connection reset by peer ("),
              std::string::npos) << c.err();
    EXPECT_NE(c.err().find("5000 of "), std::string::npos) << c.err();
    EXPECT_TRUE(c.left_nothing());
}

TEST_F(ClientRobustness, EndOfStandardInputEndsCleanly)
{
    auto c = connected_client();
    c->proc().write_stdin("second line\n");
    const auto at = clock_type::now();
    c->proc().close_stdin();
    EXPECT_EQ(c->exit_status(at), status::ok) << c->err();
    EXPECT_EQ(c->out(), "first line\nsecond line\n");
    EXPECT_TRUE(c->left_nothing());
}

TEST_F(ClientRobustness, StandardInputNotOpen)
{
    // echo-client 127.0.0.1 PORT <&-
    client c(echod.port(), [] { ::close(STDIN_FILENO); });
    const auto at = clock_type::now();
    EXPECT_EQ(c.exit_status(at), status::io_error) << c.err();
    EXPECT_NE(c.err().find("standard input"), std::string::npos) << c.err();
}

TEST_F(ClientRobustness, StandardOutputClosedByItsReader)
{
    // echo-client ... | head -1: the pipe's reading end goes away mid-stream.
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    echo::unique_fd out_read(out[0]), out_write(out[1]);
    client c(echod.port(), [fd = out[1]] { ::dup2(fd, STDOUT_FILENO); });
    out_write.reset();
    std::atomic<bool> stop{false};
    std::thread feeder([&] {
        const std::string line(1000, 'z');
        while (!stop && ::write(c.proc().stdin_fd(), (line + "\n").data(), line.size() + 1) > 0) {
        }
    });
    char first[100];
    EXPECT_GT(::read(out_read.get(), first, sizeof first), 0); // head read its line
    const auto at = clock_type::now();
    out_read.reset();
    const auto st = c.exit_status(at);
    stop = true;
    c.proc().close_stdin(); // in case it is stuck, so the feeder ends
    feeder.join();
    EXPECT_EQ(st, status::io_error) << c.err();
    EXPECT_NE(c.err().find("cannot write to standard output: Broken pipe"), std::string::npos) << c.err();
    if (c.reader() > 0) {
        EXPECT_TRUE(c.left_nothing());
    }
}

TEST_F(ClientRobustness, SigintToTheClient)
{
    auto c = connected_client();
    const auto at = clock_type::now();
    c->proc().signal(SIGINT);
    EXPECT_EQ(c->exit_status(at), status::signal_base + SIGINT) << c->err();
    EXPECT_NE(c->err().find("interrupted by SIGINT"), std::string::npos) << c->err();
    EXPECT_TRUE(c->left_nothing());
}

TEST_F(ClientRobustness, CtrlCToTheWholeJob)
{
    auto c = connected_client();
    const auto at = clock_type::now();
    ASSERT_EQ(::kill(-c->proc().pid(), SIGINT), 0); // what the terminal does: the whole process group
    EXPECT_EQ(c->exit_status(at), status::signal_base + SIGINT) << c->err();
    EXPECT_NE(c->err().find("interrupted by SIGINT"), std::string::npos) << c->err();
    EXPECT_TRUE(c->left_nothing());
}

TEST_F(ClientRobustness, Sigterm)
{
    auto c = connected_client();
    const auto at = clock_type::now();
    c->proc().signal(SIGTERM);
    EXPECT_EQ(c->exit_status(at), status::signal_base + SIGTERM) << c->err();
    EXPECT_NE(c->err().find("interrupted by SIGTERM"), std::string::npos) << c->err();
    EXPECT_TRUE(c->left_nothing());
}

TEST_F(ClientRobustness, ReadingChildKilled)
{
    auto c = connected_client();
    const auto at = clock_type::now();
    ASSERT_EQ(::kill(c->reader(), SIGKILL), 0);
    EXPECT_EQ(c->exit_status(at), status::failure) << c->err();
    EXPECT_NE(c->err().find("killed by signal 9"), std::string::npos) << c->err();
    EXPECT_TRUE(c->left_nothing());
}

TEST_F(ClientRobustness, WritingParentKilled)
{
    auto c = connected_client();
    const auto at = clock_type::now();
    c->proc().signal(SIGKILL);
    EXPECT_EQ(c->exit_status(at), status::signal_base + SIGKILL);
    // Nobody is left to say anything; the reader must go with its parent (PR_SET_PDEATHSIG).
    EXPECT_TRUE(c->left_nothing()) << "the reader outlived its parent";
}

// A listening socket whose backlog is full: the kernel drops further SYNs,
// so a connect() hangs until the client gives up.
TEST(ClientConnectTimeout, FullBacklogTimesOutWithStatus75)
{
    const echo::unique_fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(listener.get(), 0), 0);
    socklen_t len = sizeof a;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len);
    const unsigned port = ntohs(a.sin_port);

    std::vector<echo::unique_fd> fillers;
    auto try_connect = [&] {
        fillers.emplace_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        (void)::connect(fillers.back().get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
        pollfd p{fillers.back().get(), POLLOUT, 0};
        return ::poll(&p, 1, 500) == 1;
    };
    // Fill the queue; the first connect that stays pending proves it is full.
    bool full = false;
    for (int i = 0; i < 8 && !full; ++i)
        full = !try_connect();
    ASSERT_TRUE(full) << "could not fill the listen backlog";

    const auto at = clock_type::now();
    client c(port, {}, {"--connect-timeout", "1"});
    const auto st = c.exit_status(at, 15s);
    const double took = std::chrono::duration<double>(clock_type::now() - at).count();
    EXPECT_EQ(st, status::timeout) << c.err();
    EXPECT_LT(took, 6.0);
    EXPECT_NE(c.err().find("timed out"), std::string::npos) << c.err();
}

} // namespace
