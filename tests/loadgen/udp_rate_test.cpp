// echo-bench udp-rate end to end: against the C recvmmsg reference every
// datagram comes back and is counted once; against test-made servers that
// drop, change, shorten or double echoes, its figures match what the server
// really did, and a changed or doubled echo fails the run.
#include "process.hpp"
#include "udp_test_server.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using loadtest::udp_test_server;

struct bench_run {
    int status = -1;
    std::string out;
};

bench_run echo_bench(const std::vector<std::string>& args)
{
    const test::temp_dir dir;
    test::spawn_options o;
    o.argv = {ECHO_BENCH_BINARY};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.stdout_file = dir / "out";
    o.stderr_file = dir / "err";
    auto p = test::process::spawn(o);
    const auto status = p.wait_for(60s);
    return {status.value_or(-1), p.stdout_text() + p.stderr_text()};
}

// KEY's value on the RESULT line, or -1 when absent.
double result_value(const std::string& out, const std::string& key)
{
    const auto line = out.find("RESULT ");
    const auto at = out.find(" " + key + "=", line);
    if (line == std::string::npos || at == std::string::npos)
        return -1;
    double value = -1;
    const char* begin = out.data() + at + key.size() + 2;
    std::from_chars(begin, out.data() + out.size(), value);
    return value;
}

std::vector<std::string> udp_rate(unsigned port, std::vector<std::string> extra = {})
{
    std::vector<std::string> args{"udp-rate", "--port", std::to_string(port), "--connections", "4", "--window", "8",
                                  "--duration", "0.5", "--timeout", "5"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// Every datagram sent is answered or lost, never both, never neither.
void expect_books_balance(const std::string& out)
{
    EXPECT_GT(result_value(out, "sent"), 0) << out;
    EXPECT_EQ(result_value(out, "sent"), result_value(out, "echoed") + result_value(out, "lost")) << out;
}

std::vector<std::string> echo_it(std::uint64_t, const std::string& d) { return {d}; }

TEST(UdpLoad, EveryDatagramComesBackFromTheReferenceAndIsCountedOnce)
{
    const test::temp_dir dir;
    const auto free = echo_bench({"free-port"}); // free for UDP too
    ASSERT_EQ(free.status, 0) << free.out;
    const unsigned port = static_cast<unsigned>(std::stoul(free.out));
    test::spawn_options o;
    o.argv = {UDP_REFERENCE_BINARY, std::to_string(port)};
    o.stdout_file = dir / "out";
    o.stderr_file = dir / "err";
    auto reference = test::process::spawn(o);
    const auto probe = echo_bench({"udp-probe", "--port", std::to_string(port), "--timeout", "10"});
    ASSERT_EQ(probe.status, 0) << probe.out << reference.stderr_text();

    // A loss timeout far above any round trip here: nothing may be lost.
    const auto r = echo_bench(udp_rate(port, {"--loss-timeout", "10", "--size", "1000"}));
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("RESULT mode=udp-rate ok=1 "), std::string::npos) << r.out;
    EXPECT_GT(result_value(r.out, "datagrams"), 0) << r.out;
    EXPECT_GT(result_value(r.out, "datagrams_per_s"), 0) << r.out;
    EXPECT_EQ(result_value(r.out, "lost"), 0) << r.out;
    EXPECT_EQ(result_value(r.out, "data_errors"), 0) << r.out;
    EXPECT_EQ(result_value(r.out, "size"), 1000) << r.out;
    expect_books_balance(r.out);
}

TEST(UdpLoad, ReportsExactlyTheDatagramsAServerDropsWithoutFailing)
{
    udp_test_server server([](std::uint64_t index, const std::string& d) {
        return index % 7 == 3 ? std::vector<std::string>{} : std::vector<std::string>{d};
    });
    const auto r = echo_bench(udp_rate(server.port(), {"--loss-timeout", "2"}));
    EXPECT_EQ(r.status, 0) << "losses are reported, not an error: " << r.out;
    ASSERT_GT(server.dropped(), 0u);
    // An echo slower than the loss timeout would count as lost and as late.
    EXPECT_EQ(result_value(r.out, "lost") - result_value(r.out, "late"), static_cast<double>(server.dropped()))
        << r.out;
    EXPECT_NE(r.out.find("lost " + std::to_string(static_cast<long long>(result_value(r.out, "lost"))) + " of "),
              std::string::npos)
        << "the human line says it too: " << r.out;
    expect_books_balance(r.out);
}

TEST(UdpLoad, AChangedByteFailsTheRun)
{
    udp_test_server server([](std::uint64_t index, std::string d) {
        if (index == 5)
            d[d.size() / 2] = static_cast<char>(d[d.size() / 2] ^ 1);
        return std::vector<std::string>{d};
    });
    const auto r = echo_bench(udp_rate(server.port(), {"--loss-timeout", "0.5"}));
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_NE(r.out.find("RESULT mode=udp-rate ok=0 "), std::string::npos) << r.out;
    EXPECT_EQ(result_value(r.out, "data_errors"), 1) << r.out;
    EXPECT_EQ(result_value(r.out, "lost"), 1) << "the datagram whose echo was wrong never came back: " << r.out;
}

TEST(UdpLoad, AShortenedEchoFailsTheRun)
{
    udp_test_server server([](std::uint64_t index, const std::string& d) {
        return std::vector<std::string>{index == 5 ? d.substr(0, d.size() - 1) : d};
    });
    const auto r = echo_bench(udp_rate(server.port(), {"--loss-timeout", "0.5"}));
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_EQ(result_value(r.out, "data_errors"), 1) << r.out;
}

TEST(UdpLoad, ADoubledEchoFailsTheRun)
{
    udp_test_server server([](std::uint64_t index, const std::string& d) {
        return index == 5 ? std::vector<std::string>{d, d} : std::vector<std::string>{d};
    });
    const auto r = echo_bench(udp_rate(server.port(), {"--loss-timeout", "0.5"}));
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_EQ(result_value(r.out, "data_errors"), 1) << r.out;
    EXPECT_EQ(result_value(r.out, "lost"), 0) << r.out;
}

TEST(UdpLoad, AServerThatEchoesNothingIsAStallNotAFigure)
{
    udp_test_server server([](std::uint64_t, const std::string&) { return std::vector<std::string>{}; });
    const auto r = echo_bench(udp_rate(server.port(), {"--loss-timeout", "0.2", "--timeout", "1"}));
    EXPECT_EQ(r.status, 69) << r.out;
    EXPECT_NE(r.out.find("ok=0"), std::string::npos) << r.out;
}

TEST(UdpLoad, ProbeWaitsForAnEcho)
{
    udp_test_server echoing(echo_it);
    EXPECT_EQ(echo_bench({"udp-probe", "--port", std::to_string(echoing.port()), "--timeout", "5"}).status, 0);
    udp_test_server silent([](std::uint64_t, const std::string&) { return std::vector<std::string>{}; });
    EXPECT_EQ(echo_bench({"udp-probe", "--port", std::to_string(silent.port()), "--timeout", "0.5"}).status, 69);
}

TEST(UdpLoad, RefusesTargetsOutsideLoopbackAndImpossibleSizes)
{
    EXPECT_EQ(echo_bench({"udp-rate", "--host", "192.0.2.1", "--port", "7"}).status, 64);
    EXPECT_EQ(echo_bench({"udp-rate", "--port", "7", "--size", "15"}).status, 64);
    EXPECT_EQ(echo_bench({"udp-rate", "--port", "7", "--size", "65508"}).status, 64);
    EXPECT_EQ(echo_bench({"udp-rate", "--port", "7", "--window", "0"}).status, 64);
}

} // namespace
