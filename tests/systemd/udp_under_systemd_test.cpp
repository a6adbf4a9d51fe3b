// UDP echo under systemd (issue 15): the datagram sockets pass from the
// monitor to the accepting process like the TCP ones, the UDP child is in
// STATUS= and never maps libsystemd, and sockets systemd passes are told
// apart by type (ListenStream= and ListenDatagram= of echod.socket and
// echod-udp.socket).
#include "notified_echod.hpp"

#include "echod_instance.hpp"
#include "proc.hpp"
#include "udp.hpp"

#include "echo/log.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

class UdpUnderSystemd : public test::notified_echod {};

// The UDP child: the one child of the accepting process (the monitor's one child).
pid_t udp_child_of(pid_t monitor)
{
    const auto acceptors = test::children_of(monitor);
    if (acceptors.size() != 1)
        return -1;
    const auto children = test::children_of(acceptors[0]);
    return children.size() == 1 ? children[0] : -1;
}

TEST_F(UdpUnderSystemd, ReportedInStatusRestartedAndFreeOfLibsystemd)
{
    const unsigned port = test::free_udp_port();
    test::echod_setup setup;
    setup.args = {"--listen-udp", echo::concat("127.0.0.1:", port)};
    ASSERT_TRUE(start(setup));
    EXPECT_NE(ready.find(echo::concat("UDP echo on 127.0.0.1:", port)), std::string::npos) << ready;
    ASSERT_TRUE(test::udp_echo_ready("127.0.0.1", port)) << echod->log();

    const pid_t child = udp_child_of(echod->pid());
    ASSERT_GT(child, 0);
    for (const auto& m : test::mappings(child))
        EXPECT_EQ(m.find("libsystemd"), std::string::npos) << "the UDP child maps " << m;

    ASSERT_EQ(::kill(child, SIGKILL), 0);
    EXPECT_TRUE(systemd.wait_for("restarted 1 time)")) << echod->log();
    EXPECT_TRUE(test::udp_echo_ready("127.0.0.1", port)) << echod->log();
    EXPECT_EQ(echod->stop(), 0);
}

// echod started as systemd starts it: `passed` become descriptors 3, 4, ...
test::process start_with_sockets(const test::temp_dir& dir, std::vector<int> passed,
                                 std::vector<std::string> extra = {})
{
    test::write_file(dir / "echod.conf", "");
    test::spawn_options o;
    o.argv = {"/bin/sh", "-c", "LISTEN_PID=$$ LISTEN_FDS=" + std::to_string(passed.size()) + " exec \"$0\" \"$@\"",
              test::echod_binary(), "--config", (dir / "echod.conf").string()};
    o.argv.insert(o.argv.end(), extra.begin(), extra.end());
    o.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"};
    o.stderr_file = dir / "stderr";
    o.in_child = [passed] {
        // Out of the way first, so that no dup2() below overwrites one still to be moved.
        std::vector<int> high;
        for (const int fd : passed)
            high.push_back(::fcntl(fd, F_DUPFD, 100));
        for (std::size_t i = 0; i < high.size(); ++i)
            ::dup2(high[i], 3 + static_cast<int>(i));
    };
    return test::process::spawn(o);
}

struct passed_pair {
    echo::unique_fd tcp;
    echo::unique_fd udp;
    unsigned tcp_port = 0;
    unsigned udp_port = 0;
};

passed_pair make_pair()
{
    passed_pair p;
    p.udp_port = test::free_udp_port();
    p.udp = test::udp_socket("127.0.0.1", p.udp_port);
    p.tcp.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(p.tcp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(p.tcp.get(), 5) != 0 ||
        ::getsockname(p.tcp.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("cannot make a listening socket");
    p.tcp_port = ntohs(a.sin_port);
    return p;
}

TEST(SocketActivation, ServesUdpOnAPassedDatagramSocket)
{
    test::temp_dir dir;
    auto sockets = make_pair();
    // The datagram socket first: echod tells them apart by type, not by order.
    auto p = start_with_sockets(dir, {sockets.udp.get(), sockets.tcp.get()});
    ASSERT_TRUE(test::udp_echo_ready("127.0.0.1", sockets.udp_port)) << p.stderr_text();
    EXPECT_TRUE(test::eventually(
        [&] { return p.stderr_text().find("(sockets from systemd)") != std::string::npos; }))
        << p.stderr_text();
    EXPECT_NE(p.stderr_text().find(echo::concat("listening on 127.0.0.1:", sockets.tcp_port)), std::string::npos)
        << p.stderr_text();
    EXPECT_NE(p.stderr_text().find(echo::concat("UDP echo on 127.0.0.1:", sockets.udp_port)), std::string::npos)
        << p.stderr_text();
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_for(10s), 0) << p.stderr_text();
}

TEST(SocketActivation, ListenUdpOptionConflictsWithPassedSockets)
{
    test::temp_dir dir;
    auto sockets = make_pair();
    auto p = start_with_sockets(dir, {sockets.tcp.get()}, {"--listen-udp", "127.0.0.1:0"});
    EXPECT_EQ(p.wait_for(10s), 64);
    EXPECT_NE(p.stderr_text().find("--listen-udp cannot be used"), std::string::npos) << p.stderr_text();
}

} // namespace
