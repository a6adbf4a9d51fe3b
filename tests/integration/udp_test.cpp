// echod --listen-udp (issue 15): UDP echo on loopback, served by one child.
// Real datagrams from real sockets; sources are told apart by binding
// 127.0.0.2, 127.0.0.3 (all of 127/8 is loopback on Linux). The guards that
// need a low source port or a non-loopback address are in
// tests/network/udp_guard_test.cpp (root, network namespaces).
#include "helpers.hpp"
#include "udp.hpp"

#include "echo/log.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

namespace {

using namespace std::chrono_literals;
using itest::live_children;

// Every limit off: the tests that count bytes must not meet a bucket.
const std::vector<std::string> no_limits = {"--udp-rate-per-source", "0", "--udp-bytes-per-source", "0",
                                            "--udp-rate-total", "0", "--udp-bytes-total", "0"};

struct udp_echod {
    unsigned port;
    test::echod_instance echod;

    explicit udp_echod(std::vector<std::string> extra = no_limits, const std::string& address = "127.0.0.1")
        : port(test::free_udp_port(address)), echod(with_udp(address, port, std::move(extra)))
    {
        if (!test::udp_echo_ready(address, port))
            throw std::runtime_error("echod's UDP echo never answered; its log:\n" + echod.log());
    }

    static std::vector<std::string> with_udp(const std::string& address, unsigned port, std::vector<std::string> extra)
    {
        const std::string where = address.find(':') != std::string::npos ? "[" + address + "]" : address;
        extra.insert(extra.begin(), {"--listen-udp", where + ":" + std::to_string(port)});
        return extra;
    }
};

TEST(UdpEcho, TenThousandDatagramsOfRandomSizesComeBackExact)
{
    udp_echod server;
    const auto fd = test::udp_socket("127.0.0.1");
    int buffer = 1 << 20;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    std::mt19937 random(15);
    std::uniform_int_distribution<std::size_t> size(0, 65'507);
    const std::string bytes = test::random_bytes(65'507 + 4096, 15);
    std::size_t echoed = 0;
    for (int i = 0; i < 10'000; ++i) {
        // The extremes first: an empty datagram and the largest IPv4 one.
        const std::size_t n = i == 0 ? 0 : i == 1 ? 65'507 : size(random);
        const std::string payload = bytes.substr(static_cast<std::size_t>(i) % 4096, n);
        // One at a time: loopback loses nothing then, and a mismatch names its datagram.
        const auto back = test::udp_exchange(fd.get(), "127.0.0.1", server.port, payload);
        ASSERT_TRUE(back) << "datagram " << i << " (" << n << " bytes) did not come back\n" << server.echod.log();
        ASSERT_EQ(back->payload.size(), n) << "datagram " << i;
        ASSERT_TRUE(back->payload == payload) << "datagram " << i << " came back changed";
        ++echoed;
    }
    EXPECT_EQ(echoed, 10'000U);
    ASSERT_EQ(server.echod.stop(), 0);
    // Its own count agrees: 10,000 plus the readiness probes, nothing refused or dropped.
    const auto log = server.echod.log();
    const auto counts = test::numbers_after(log, "UDP echo stopped: ");
    ASSERT_FALSE(counts.empty()) << log;
    EXPECT_GE(counts[0], 10'000U);
    EXPECT_NE(log.find(" echoed, 0 refused, 0 replies dropped"), std::string::npos) << log;
}

TEST(UdpEcho, RepliesFromTheAddressTheDatagramWasSentTo)
{
    // A dual-stack wildcard socket: the reply must not leave from whatever
    // address the routing table prefers, but from the one asked.
    const unsigned port = test::free_udp_port("127.0.0.1");
    test::echod_instance echod(std::vector<std::string>{"--listen-udp", echo::concat(":", port)});
    ASSERT_TRUE(test::udp_echo_ready("127.0.0.1", port)) << echod.log();
    const auto client = test::udp_socket("127.0.0.1");
    for (const char* asked : {"127.0.0.1", "127.0.0.2", "127.0.0.3"}) {
        const auto back = test::udp_exchange(client.get(), asked, port, "from where?", 3);
        ASSERT_TRUE(back) << asked << "\n" << echod.log();
        EXPECT_EQ(back->from, echo::concat(asked, ":", port));
        EXPECT_EQ(back->payload, "from where?");
    }
    if (!itest::ipv6_loopback_available())
        return;
    const auto v6 = test::udp_socket("::1");
    const auto back = test::udp_exchange(v6.get(), "::1", port, std::string(65'527, 'x'), 3);
    ASSERT_TRUE(back) << echod.log();
    EXPECT_EQ(back->from, echo::concat("[::1]:", port));
    EXPECT_EQ(back->payload.size(), 65'527U) << "the largest IPv6 datagram, whole";
}

TEST(UdpEcho, OffByDefault)
{
    // No --listen-udp: no UDP socket, so the kernel answers port unreachable.
    test::echod_instance echod;
    echo::unique_fd fd = test::udp_socket("127.0.0.1");
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(echod.port()));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    ASSERT_EQ(::send(fd.get(), "x", 1, 0), 1);
    pollfd p{fd.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
    char c;
    EXPECT_EQ(::recv(fd.get(), &c, 1, 0), -1);
    EXPECT_EQ(errno, ECONNREFUSED);
    EXPECT_EQ(echod.log().find("UDP"), std::string::npos) << echod.log();
}

TEST(UdpEcho, RefusesALoopRequestFromItsOwnPort)
{
    // FreeBSD inetd's check_loop: a source port echod serves is another echo
    // server's, and answering it starts the 1996 packet storm. 127.0.0.2 may
    // bind the same port number as echod's 127.0.0.1 without root.
    udp_echod server;
    const auto spoofed = test::udp_socket("127.0.0.2", server.port);
    EXPECT_FALSE(test::udp_exchange(spoofed.get(), "127.0.0.1", server.port, "ping-pong", 1, 500ms));
    EXPECT_TRUE(server.echod.log_contains("loop request")) << server.echod.log();
    EXPECT_TRUE(server.echod.log_contains("refused a UDP datagram from 127.0.0.2:" + std::to_string(server.port)));
    // Refused is not dead: an ordinary client is still answered.
    const auto client = test::udp_socket("127.0.0.3");
    EXPECT_TRUE(test::udp_exchange(client.get(), "127.0.0.1", server.port, "still there?", 3));
}

// Datagrams of `sender` that come back within a short quiet period.
std::size_t drain(int fd)
{
    std::size_t n = 0;
    while (test::receive_datagram(fd, 300ms))
        ++n;
    return n;
}

TEST(UdpEcho, FloodFromOneSourceIsCappedWhileAnotherIsServed)
{
    constexpr unsigned rate = 20;
    udp_echod server({"--udp-rate-per-source", std::to_string(rate)});
    const auto flooder = test::udp_socket("127.0.0.2");
    int buffer = 4 << 20;
    ::setsockopt(flooder.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);

    std::atomic<bool> flooding = true;
    std::atomic<unsigned long> sent = 0;
    const auto began = std::chrono::steady_clock::now();
    std::thread flood([&] {
        while (flooding) {
            test::send_datagram(flooder.get(), "127.0.0.1", server.port, "flood");
            ++sent;
            if (sent % 64 == 0)
                std::this_thread::sleep_for(1ms); // a flood, not a test of the receive queue
        }
    });
    // The flood first has to reach the bucket's limit (a loaded machine may
    // not run the thread at once); then another source, while the flood
    // goes on: every datagram answered.
    if (!test::eventually([&] { return server.echod.log_contains("over the per-source rate"); }, 10s)) {
        flooding = false;
        flood.join();
        FAIL() << "no refusal logged after " << sent << " datagrams\n" << server.echod.log();
    }
    const auto other = test::udp_socket("127.0.0.3");
    int answered = 0;
    for (int i = 0; i < 10; ++i)
        if (test::udp_exchange(other.get(), "127.0.0.1", server.port, "me too " + std::to_string(i), 3))
            ++answered;
    flooding = false;
    flood.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    const std::size_t echoed = drain(flooder.get());

    EXPECT_EQ(answered, 10) << server.echod.log();
    // The bucket: one second's worth at once, then `rate` a second.
    EXPECT_LE(static_cast<double>(echoed), rate * (seconds + 1.0) + 1) << sent << " sent in " << seconds << " s";
    EXPECT_LT(echoed, sent.load());
    EXPECT_TRUE(server.echod.log_contains("over the per-source rate")) << server.echod.log();
    ASSERT_EQ(server.echod.stop(), 0);
    // The refusals after the first are counted, not lost.
    EXPECT_NE(server.echod.log().find("more UDP datagrams in the last"), std::string::npos) << server.echod.log();
}

TEST(UdpEcho, TotalRateCapsAllSourcesTogether)
{
    constexpr unsigned rate = 30;
    udp_echod server({"--udp-rate-per-source", "0", "--udp-rate-total", std::to_string(rate)});
    const auto began = std::chrono::steady_clock::now();
    std::vector<echo::unique_fd> sources;
    for (const char* a : {"127.0.0.2", "127.0.0.3", "127.0.0.4"})
        sources.push_back(test::udp_socket(a));
    for (int i = 0; i < 100; ++i)
        for (const auto& s : sources)
            test::send_datagram(s.get(), "127.0.0.1", server.port, "many");
    std::size_t echoed = 0;
    for (const auto& s : sources)
        echoed += drain(s.get());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    EXPECT_GT(echoed, 0U);
    EXPECT_LE(static_cast<double>(echoed), rate * (seconds + 1.0) + 1);
    EXPECT_TRUE(server.echod.log_contains("over the total rate")) << server.echod.log();
}

TEST(UdpEcho, ChildKilledIsRestarted)
{
    udp_echod server;
    std::vector<pid_t> before = live_children(server.echod.pid());
    ASSERT_EQ(before.size(), 1U) << "the UDP child is echod's one child while no client is connected";
    ASSERT_EQ(::kill(before[0], SIGKILL), 0);
    EXPECT_TRUE(server.echod.log_contains("was killed by signal 9")) << server.echod.log();
    EXPECT_TRUE(test::udp_echo_ready("127.0.0.1", server.port)) << server.echod.log();
    const auto after = live_children(server.echod.pid());
    ASSERT_EQ(after.size(), 1U);
    EXPECT_NE(after[0], before[0]);
}

TEST(UdpEcho, StopEndsTheChild)
{
    udp_echod server;
    const auto children = live_children(server.echod.pid());
    ASSERT_EQ(children.size(), 1U);
    EXPECT_EQ(server.echod.stop(), 0);
    EXPECT_NE(::kill(children[0], 0), 0) << "the UDP child outlived echod";
    EXPECT_NE(server.echod.log().find("UDP echo stopped: "), std::string::npos) << server.echod.log();
}

TEST(UdpEcho, ReloadKeepsTheUdpAddressesAndSaysSo)
{
    const unsigned port = test::free_udp_port();
    test::echod_setup setup;
    setup.config_text = "listen-udp = 127.0.0.1:" + std::to_string(port) + "\n";
    test::echod_instance echod(setup);
    ASSERT_TRUE(test::udp_echo_ready("127.0.0.1", port)) << echod.log();
    test::write_file(echod.config_file(), "listen-udp = 127.0.0.1:" + std::to_string(test::free_udp_port()) +
                                              "\nudp-rate-per-source = 5\n");
    ::kill(echod.pid(), SIGHUP);
    EXPECT_TRUE(echod.log_contains("listen-udp addresses change only on restart")) << echod.log();
    EXPECT_TRUE(echod.log_contains("udp-* rate limits change only on restart")) << echod.log();
    EXPECT_TRUE(test::udp_echo_ready("127.0.0.1", port)) << echod.log();
}

TEST(UdpEcho, ListenUdpNeedsAPort)
{
    const auto r = itest::run_echod({"--listen-udp", "127.0.0.1"});
    EXPECT_EQ(r.status, 64) << r.err;
    EXPECT_NE(r.err.find("--listen-udp 127.0.0.1"), std::string::npos) << r.err;
}

TEST(UdpEcho, SocatIsAClient)
{
    if (!std::filesystem::exists("/usr/bin/socat"))
        GTEST_SKIP() << "socat is not installed (Debian package socat)";
    udp_echod server;
    test::temp_dir dir;
    test::write_file(dir / "in", "hello over UDP\n");
    test::spawn_options o;
    // -t: after the end of input, wait that long for the echo.
    o.argv = {"/usr/bin/socat", "-t", "2", "STDIO", "UDP:127.0.0.1:" + std::to_string(server.port)};
    o.stdin_mode = test::spawn_options::input::file;
    o.stdin_file = dir / "in";
    const auto r = itest::run_to_end(o);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "hello over UDP\n");
}

TEST(UdpEcho, PythonIsAClient)
{
    if (!std::filesystem::exists("/usr/bin/python3"))
        GTEST_SKIP() << "python3 is not installed (Debian package python3)";
    udp_echod server;
    test::spawn_options o;
    o.argv = {"/usr/bin/python3", "-c",
              "import os, socket, sys\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              "s.settimeout(2)\n"
              "s.connect(('127.0.0.1', int(sys.argv[1])))\n"
              "good = 0\n"
              "for n in (0, 1, 1400, 9000, 65507):\n"
              "    data = os.urandom(n)\n"
              "    s.send(data)\n"
              "    good += s.recv(65536) == data\n"
              "print('echoed', good)\n",
              std::to_string(server.port)};
    const auto r = itest::run_to_end(o);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "echoed 5\n");
}

} // namespace

// Our own pair over UDP: echo-client --udp (client/udp/) against echod's UDP
// child. Binary input with quit lines inside comes back byte for byte.
TEST(UdpEchoWithOurClient, RawBinaryComesBackWhole)
{
    udp_echod server;
    test::temp_dir dir;
    const std::string input = test::random_bytes(1 << 20, 862) + "\nq\nthe rest still goes\n";
    test::write_file(dir / "in", input);
    test::spawn_options o;
    o.argv = {test::echo_client_binary(), "--udp", "--raw", "127.0.0.1", std::to_string(server.port)};
    o.stdin_mode = test::spawn_options::input::file;
    o.stdin_file = dir / "in";
    const auto r = itest::run_to_end(std::move(o), 60s);
    EXPECT_EQ(r.status, 0) << r.err;
    // One client on loopback, echoes in the order sent: the whole stream, exactly.
    EXPECT_EQ(r.out.size(), input.size());
    EXPECT_TRUE(r.out == input) << "the echo differs from the input";
}

// And with echod's default limits: a few lines are well within the burst.
TEST(UdpEchoWithOurClient, LinesComeBackUnderDefaultLimits)
{
    udp_echod server(std::vector<std::string>{});
    test::temp_dir dir;
    std::string input;
    for (int i = 0; i < 50; ++i)
        input += "line " + std::to_string(i) + "\n";
    test::write_file(dir / "in", input);
    test::spawn_options o;
    o.argv = {test::echo_client_binary(), "--udp", "127.0.0.1", std::to_string(server.port)};
    o.stdin_mode = test::spawn_options::input::file;
    o.stdin_file = dir / "in";
    const auto r = itest::run_to_end(std::move(o), 60s);
    EXPECT_EQ(r.status, 0) << r.err << server.echod.log();
    EXPECT_EQ(r.out.size(), input.size()) << r.out;
}

// echo-client --ping --udp against echod: every probe echoed and matched.
TEST(UdpEchoWithOurClient, PingOverUdp)
{
    udp_echod server;
    test::spawn_options o;
    o.argv = {test::echo_client_binary(), "--ping", "--udp", "-q", "-c", "50", "-i", "0.005", "127.0.0.1",
              std::to_string(server.port)};
    const auto r = itest::run_to_end(std::move(o), 60s);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("50 probes sent, 50 echoed, 0 lost"), std::string::npos) << r.out;
}
