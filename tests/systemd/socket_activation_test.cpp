// echod takes its listening socket from systemd (LISTEN_FDS), checks it, and
// refuses anything but a listening TCP socket or a bound UDP socket.
#include "echod_instance.hpp"
#include "net.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

namespace {

using namespace std::chrono_literals;

// A port that was free a moment ago (systemd-socket-activate needs a number).
unsigned free_port()
{
    echo::unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("cannot find a free port");
    return ntohs(a.sin_port);
}

TEST(SocketActivation, ServesOnPassedSocket)
{
    const std::string activate = SYSTEMD_SOCKET_ACTIVATE;
    if (activate.empty() || !std::filesystem::exists(activate))
        GTEST_SKIP() << "systemd-socket-activate is not installed (package systemd)";
    test::temp_dir dir;
    test::write_file(dir / "echod.conf", "");
    const unsigned port = free_port();
    test::spawn_options o;
    o.argv = {activate, "-l", "127.0.0.1:" + std::to_string(port), test::echod_binary(), "--config",
              (dir / "echod.conf").string()};
    o.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID"};
    o.stderr_file = dir / "stderr";
    auto activator = test::process::spawn(o);

    // The socket is there before echod is: the first client starts it.
    echo::unique_fd fd;
    ASSERT_TRUE(test::eventually([&] {
        try {
            fd = test::connect_tcp("127.0.0.1", port);
            return true;
        } catch (const std::exception&) {
            return false;
        }
    })) << activator.stderr_text();
    const std::string payload = test::random_bytes(100'000, 7);
    test::send_all(fd.get(), payload);
    EXPECT_EQ(test::read_exactly(fd.get(), payload.size()), payload);
    fd.reset();
    EXPECT_TRUE(test::eventually([&] {
        return activator.stderr_text().find("(sockets from systemd)") != std::string::npos;
    })) << activator.stderr_text();

    activator.signal(SIGTERM);
    EXPECT_EQ(activator.wait_for(10s), 0) << activator.stderr_text();
}

// Starts echod as systemd would, with `passed` as descriptor 3.
test::process start_with_socket(const test::temp_dir& dir, int passed, std::vector<std::string> extra = {})
{
    test::write_file(dir / "echod.conf", "");
    test::spawn_options o;
    // LISTEN_PID must name echod itself: the shell's $$ becomes echod's pid on exec.
    o.argv = {"/bin/sh", "-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" \"$@\"", test::echod_binary(), "--config",
              (dir / "echod.conf").string()};
    o.argv.insert(o.argv.end(), extra.begin(), extra.end());
    o.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"};
    o.stderr_file = dir / "stderr";
    o.in_child = [passed] {
        if (passed == 3)
            ::fcntl(3, F_SETFD, 0);
        else
            ::dup2(passed, 3);
    };
    return test::process::spawn(o);
}

// A datagram socket serves UDP echo (udp_under_systemd_test.cpp), but an
// unbound one could serve nobody.
TEST(SocketActivation, RefusesUnboundUdpSocket)
{
    test::temp_dir dir;
    echo::unique_fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    auto p = start_with_socket(dir, udp.get());
    EXPECT_EQ(p.wait_for(10s), 78);
    EXPECT_NE(p.stderr_text().find("not a listening TCP socket"), std::string::npos) << p.stderr_text();
}

TEST(SocketActivation, RefusesNonListeningTcpSocket)
{
    test::temp_dir dir;
    echo::unique_fd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto p = start_with_socket(dir, tcp.get());
    EXPECT_EQ(p.wait_for(10s), 78);
    EXPECT_NE(p.stderr_text().find("not a listening TCP socket"), std::string::npos) << p.stderr_text();
}

TEST(SocketActivation, ListenOptionConflictsWithPassedSockets)
{
    test::temp_dir dir;
    echo::unique_fd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(tcp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(tcp.get(), 5), 0);
    auto p = start_with_socket(dir, tcp.get(), {"--listen", "127.0.0.1:0"});
    EXPECT_EQ(p.wait_for(10s), 64);
    EXPECT_NE(p.stderr_text().find("--listen cannot be used"), std::string::npos) << p.stderr_text();
}

} // namespace
