// echo-client --udp and --ping --udp end to end, against socat's UDP echo
// and udp_echo.py on loopback: lines and binary input come back intact
// (status 0), a server that drops datagrams gives the loss status (2), one
// that changes them the not-an-echo status (76), a port nobody serves 69;
// the ping mode counts loss and reordering over UDP.
#include "udp_peers.hpp"

#include "echod_instance.hpp"
#include "process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

namespace {

using namespace std::chrono_literals;

struct outcome {
    int status = -1;
    std::string out;
    std::string err;
};

// Runs echo-client with `args` and `input` on standard input.
outcome run_client(const test::temp_dir& dir, std::vector<std::string> args, const std::string& input)
{
    test::write_file(dir / "client.in", input);
    test::spawn_options o;
    o.argv = {test::echo_client_binary()};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.stdin_mode = test::spawn_options::input::file;
    o.stdin_file = dir / "client.in";
    o.stdout_file = dir / "client.out";
    o.stderr_file = dir / "client.err";
    auto p = test::process::spawn(std::move(o));
    const auto status = p.wait_for(120s);
    EXPECT_TRUE(status.has_value()) << "echo-client --udp did not end";
    return {status.value_or(-1), test::read_file(dir / "client.out"), test::read_file(dir / "client.err")};
}

std::string numbered_lines(int n)
{
    std::string text;
    for (int i = 0; i < n; ++i)
        text += "line " + std::to_string(i) + " of a few datagrams\n";
    return text;
}

// The lines of `text`, sorted: UDP may deliver echoes in another order.
std::vector<std::string> sorted_lines(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
}

std::string random_bytes(std::size_t n, unsigned seed)
{
    std::mt19937 gen(seed);
    std::string data(n, '\0');
    for (auto& c : data)
        c = static_cast<char>(gen());
    return data;
}

#define START_OR_SKIP(peer)                                                                                       \
    do {                                                                                                          \
        if (!(peer).unavailable.empty())                                                                          \
            GTEST_SKIP() << (peer).unavailable;                                                                   \
    } while (false)

TEST(UdpClient, LinesComeBackFromSocat)
{
    test::temp_dir dir;
    auto socat = udptest::start_socat(dir);
    START_OR_SKIP(socat);
    const std::string input = numbered_lines(300);
    const auto r = run_client(dir, {"--udp", socat.address, std::to_string(socat.port)}, input);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(sorted_lines(r.out), sorted_lines(input)); // socat answers each from its own process: any order
}

TEST(UdpClient, LinesComeBackFromPython)
{
    test::temp_dir dir;
    auto python = udptest::start_python(dir, "127.0.0.1");
    START_OR_SKIP(python);
    const std::string input = numbered_lines(300);
    const auto r = run_client(dir, {"--udp", python.address, std::to_string(python.port)}, input);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(sorted_lines(r.out), sorted_lines(input));
    EXPECT_EQ(r.err, "");
}

TEST(UdpClient, LinesComeBackOverIPv6)
{
    test::temp_dir dir;
    auto python = udptest::start_python(dir, "::1");
    START_OR_SKIP(python);
    const std::string input = numbered_lines(100);
    const auto r = run_client(dir, {"--udp", "[::1]", std::to_string(python.port)}, input);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(sorted_lines(r.out), sorted_lines(input));
}

TEST(UdpClient, RawBinaryInputComesBackWhole)
{
    test::temp_dir dir;
    auto python = udptest::start_python(dir, "127.0.0.1");
    START_OR_SKIP(python);
    // Every byte value, "q" lines included; a file is read in datagrams of 65,507 bytes.
    const std::string input = random_bytes(1'000'000, 15) + "\nq\n" + random_bytes(1000, 16);
    const auto r = run_client(dir, {"--udp", "--raw", python.address, std::to_string(python.port)}, input);
    EXPECT_EQ(r.status, 0) << r.err;
    // One sender, one single-threaded server, loopback: the order holds too.
    EXPECT_TRUE(r.out == input) << r.out.size() << " bytes came back of " << input.size();
}

TEST(UdpClient, RawBinaryInputComesBackFromSocat)
{
    test::temp_dir dir;
    auto socat = udptest::start_socat(dir);
    START_OR_SKIP(socat);
    const std::string input = random_bytes(300'000, 17);
    const auto r = run_client(dir, {"--udp", "-r", socat.address, std::to_string(socat.port)}, input);
    // Status 0 says each datagram came back with its digest; socat's
    // processes may answer in another order, so only the size is compared.
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.size(), input.size());
}

TEST(UdpClient, QuitLineEndsTheInput)
{
    test::temp_dir dir;
    auto python = udptest::start_python(dir, "127.0.0.1");
    START_OR_SKIP(python);
    const auto r = run_client(dir, {"--udp", python.address, std::to_string(python.port)}, "a\nbb\nq\nc\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(sorted_lines(r.out), (std::vector<std::string>{"a", "bb"}));
    EXPECT_NE(r.err.find("input ended at a 'q' line at byte 5; the rest was not sent"), std::string::npos) << r.err;
}

TEST(UdpClient, LostDatagramsGiveStatus2)
{
    test::temp_dir dir;
    auto python = udptest::start_python(dir, "127.0.0.1", {"--drop-every", "5"});
    START_OR_SKIP(python);
    const std::string input = numbered_lines(20);
    const auto r = run_client(dir, {"--udp", "--timeout", "1", python.address, std::to_string(python.port)}, input);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("4 of 20 datagrams"), std::string::npos) << r.err;
    EXPECT_EQ(sorted_lines(r.out).size(), 16u);
}

TEST(UdpClient, ChangedDatagramGivesStatus76)
{
    test::temp_dir dir;
    auto python = udptest::start_python(dir, "127.0.0.1", {"--corrupt-every", "3"});
    START_OR_SKIP(python);
    const auto r = run_client(dir, {"--udp", python.address, std::to_string(python.port)}, numbered_lines(20));
    EXPECT_EQ(r.status, 76) << r.err;
    EXPECT_NE(r.err.find("that was not sent"), std::string::npos) << r.err;
}

TEST(UdpClient, NobodyListeningGivesStatus69)
{
    test::temp_dir dir;
    // A port udp_echo.py held and gave up: closed now, so the kernel answers
    // with ICMP port unreachable.
    unsigned port = 0;
    {
        auto python = udptest::start_python(dir, "127.0.0.1");
        START_OR_SKIP(python);
        port = python.port;
    }
    const auto r = run_client(dir, {"--udp", "127.0.0.1", std::to_string(port)}, numbered_lines(3));
    EXPECT_EQ(r.status, 69) << r.err;
    EXPECT_NE(r.err.find("port unreachable"), std::string::npos) << r.err;
}

// As ping(8) does: each port unreachable answer is reported, the probing
// goes on for its count, and the status says nothing listens (69, as
// --udp alone), not that a connection was lost after the first probe (1).
TEST(UdpClient, PingOverUdpToAClosedPortGoesOnAndGives69)
{
    test::temp_dir dir;
    unsigned port = 0;
    {
        auto python = udptest::start_python(dir, "127.0.0.1");
        START_OR_SKIP(python);
        port = python.port;
    }
    const auto r =
        run_client(dir, {"--ping", "--udp", "-c", "3", "-i", "0.2", "-W", "1", "127.0.0.1", std::to_string(port)}, "");
    EXPECT_EQ(r.status, 69) << r.out << r.err;
    EXPECT_NE(r.out.find("3 probes sent, 0 echoed, 3 lost"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("port unreachable from 127.0.0.1:" + std::to_string(port)), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("nothing listens at 127.0.0.1:" + std::to_string(port)), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("connection lost"), std::string::npos) << r.err;
}

TEST(UdpClient, TcpOnlyOptionsAreRefused)
{
    test::temp_dir dir;
    EXPECT_EQ(run_client(dir, {"--udp", "--wait", "3", "127.0.0.1", "7"}, "").status, 64);
    EXPECT_EQ(run_client(dir, {"--timeout", "3", "127.0.0.1", "7"}, "").status, 64);
    EXPECT_EQ(run_client(dir, {"--ping", "--udp", "--size", "65508", "127.0.0.1", "7"}, "").status, 64);
}

TEST(UdpClient, PingOverUdpAgainstSocat)
{
    test::temp_dir dir;
    auto socat = udptest::start_socat(dir);
    START_OR_SKIP(socat);
    const auto r = run_client(dir, {"--ping", "--udp", "-c", "20", "-i", "0.01", socat.address,
                                    std::to_string(socat.port)}, "");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("over UDP"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("20 probes sent, 20 echoed, 0 lost"), std::string::npos) << r.out;
}

TEST(UdpClient, PingOverUdpCountsLoss)
{
    test::temp_dir dir;
    auto python = udptest::start_python(dir, "127.0.0.1", {"--drop-every", "4"});
    START_OR_SKIP(python);
    const auto r = run_client(dir, {"--ping", "--udp", "-q", "-c", "20", "-i", "0.01", "-W", "1", python.address,
                                    std::to_string(python.port)}, "");
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.out.find("20 probes sent, 15 echoed, 5 lost (25.0%)"), std::string::npos) << r.out;
}

TEST(UdpClient, PingOverUdpCountsReordering)
{
    test::temp_dir dir;
    auto python = udptest::start_python(dir, "127.0.0.1", {"--swap-pairs"});
    START_OR_SKIP(python);
    const auto r = run_client(dir, {"--ping", "--udp", "-q", "--json", "-c", "20", "-i", "0.01", python.address,
                                    std::to_string(python.port)}, "");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    // Each pair comes back second probe first: the first of each is overtaken.
    EXPECT_NE(r.out.find("\"echoed\":20,\"lost\":0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"reordered\":10"), std::string::npos) << r.out;
}

} // namespace
