// The PROXY protocol under systemd (issue 26): a socket systemd passes is
// named by --proxy-protocol by the address it is bound to, like one echod
// binds; STATUS= counts the connections awaiting a header and the PROXY
// refusals.
#include "notified_echod.hpp"

#include "echod_instance.hpp"
#include "net.hpp"
#include "proxy_wire.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

// A listening TCP socket on 127.0.0.1, as systemd would pass it, and its port.
std::pair<echo::unique_fd, unsigned> passed_listener()
{
    echo::unique_fd fd(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd.get(), 64) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("cannot make a listening socket");
    return {std::move(fd), ntohs(a.sin_port)};
}

// echod started as systemd starts a socket-activated service: the socket as descriptor 3.
test::process start_activated(const test::temp_dir& dir, int passed, std::vector<std::string> extra)
{
    test::write_file(dir / "echod.conf", "");
    test::spawn_options o;
    o.argv = {"/bin/sh", "-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" \"$@\"", test::echod_binary(), "--config",
              (dir / "echod.conf").string()};
    o.argv.insert(o.argv.end(), extra.begin(), extra.end());
    o.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"};
    o.stderr_file = dir / "stderr";
    o.in_child = [passed] {
        const int high = ::fcntl(passed, F_DUPFD, 100);
        ::dup2(high, 3);
    };
    return test::process::spawn(o);
}

TEST(ProxyUnderSystemd, PassedSocketNamedByItsBoundAddress)
{
    test::temp_dir dir;
    auto [socket, port] = passed_listener();
    auto p = start_activated(dir, socket.get(),
                             {"--proxy-protocol=127.0.0.1:" + std::to_string(port), "--proxy-from", "127.0.0.1"});
    socket.reset();
    ASSERT_TRUE(test::eventually([&] { return p.stderr_text().find("listening on") != std::string::npos; }))
        << p.stderr_text();
    auto fd = test::connect_tcp("127.0.0.1", port);
    test::send_all(fd.get(), ptest::header(2, "192.0.2.44", 4444, "127.0.0.1", port) + "activated");
    EXPECT_EQ(test::read_exactly(fd.get(), 9), "activated");
    fd.reset();
    EXPECT_TRUE(test::eventually([&] {
        return p.stderr_text().find("connection from 192.0.2.44:4444 via 127.0.0.1:") != std::string::npos;
    })) << p.stderr_text();
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_for(10s), 0) << p.stderr_text();
}

TEST(ProxyUnderSystemd, AnAddressNamingNoPassedSocketFailsTheStart)
{
    test::temp_dir dir;
    auto [socket, port] = passed_listener();
    auto p = start_activated(dir, socket.get(),
                             {"--proxy-protocol=127.0.0.1:" + std::to_string(port + 1), "--proxy-from", "127.0.0.1"});
    EXPECT_EQ(p.wait_for(10s), 64) << p.stderr_text();
    EXPECT_NE(p.stderr_text().find("names no TCP listener"), std::string::npos) << p.stderr_text();
}

class ProxyStatus : public test::notified_echod {};

TEST_F(ProxyStatus, CountsAwaitingAndRefused)
{
    test::echod_setup setup;
    setup.args = {"--proxy-protocol", "--proxy-from", "127.0.0.1", "--proxy-timeout", "30"};
    ASSERT_TRUE(start(setup));
    const unsigned port = echod->port();
    auto served = test::connect_tcp("127.0.0.1", port);
    test::send_all(served.get(), ptest::header(1, "192.0.2.1", 1, "127.0.0.1", port) + "x");
    ASSERT_EQ(test::read_exactly(served.get(), 1), "x");
    auto slow = test::connect_tcp("127.0.0.1", port);
    test::send_all(slow.get(), "PROXY TCP4 ");
    auto bad = test::connect_tcp("127.0.0.1", port);
    test::send_all(bad.get(), "PROXY TCP9 1 2 3 4\r\n");
    EXPECT_TRUE(test::peer_closes(bad.get(), 10s));
    EXPECT_TRUE(systemd.wait_for("STATUS=Serving 1 connection, 1 served, 0 refused, 1 awaiting a PROXY header, "
                                 "1 refused by PROXY, listening on"))
        << echod->log();
}

} // namespace
