// echod behind a PROXY protocol sender, played by the test: headers written
// by common/'s encoder (or cut and broken from it), sent over real loopback
// sockets, IPv4 and IPv6. What a balancer relies on: the header is consumed
// and never echoed, the first byte after it is; the carried client is the
// client in the log and for --max-per-source; untrusted peers, slow,
// malformed, truncated, oversized and corrupted headers are refused and
// logged with the reason.
#include "proxy_wire.hpp"

#include "echod_instance.hpp"
#include "net.hpp"

#include "echo/proxy_parse.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <thread>

namespace {

using namespace std::chrono_literals;
namespace proxy = echo::proxy;

bool ipv6_loopback()
{
    const echo::unique_fd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    return fd && ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

#define REQUIRE_IPV6()                                                                                               \
    do {                                                                                                             \
        if (!ipv6_loopback())                                                                                        \
            GTEST_SKIP() << "no IPv6 loopback (::1) on this host";                                                   \
    } while (0)

// echod with PROXY on its one listener, trusting the loopback addresses.
test::echod_instance proxy_echod(const std::string& listen, std::vector<std::string> more = {})
{
    std::vector<std::string> args{"--listen",     listen, "--proxy-protocol", "--proxy-from", "127.0.0.1",
                                  "--proxy-from", "::1",  "--proxy-timeout",  "1"};
    args.insert(args.end(), more.begin(), more.end());
    return test::echod_instance(args);
}

// Sends `bytes`, then expects the connection closed by echod.
void expect_refused(const std::string& host, unsigned port, const std::string& bytes)
{
    auto fd = test::connect_tcp(host, port);
    test::send_all(fd.get(), bytes);
    EXPECT_TRUE(test::peer_closes(fd.get(), 10s)) << "a connection that sent " << bytes.size() << " bytes stayed open";
}

TEST(Proxy, V1HeaderIsConsumedAndTheClientIsLoggedOverIPv4)
{
    auto echod = proxy_echod("127.0.0.1:0");
    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    // The header and the first data in one segment: the data is echoed, the header never.
    test::send_all(fd.get(), ptest::header(1, "192.0.2.7", 4000, "127.0.0.1", echod.port()) + "PROXY hello\n");
    EXPECT_EQ(test::read_exactly(fd.get(), 12), "PROXY hello\n");
    fd.reset();
    EXPECT_TRUE(echod.log_contains("connection from 192.0.2.7:4000 via 127.0.0.1:")) << echod.log();
}

TEST(Proxy, V2HeaderWithTlvsAndCrc32cOverIPv6)
{
    REQUIRE_IPV6();
    auto echod = proxy_echod("[::1]:0");
    auto h = proxy::relayed(2, ptest::address("2001:db8::7", 4000), ptest::address("::1", echod.port()));
    h.authority = "echo.example";
    h.unique_id = "id-1";
    h.ssl.present = true;
    h.ssl.version = "TLSv1.3";
    h.ssl.common_name = "client.example";
    h.netns = "ns";
    auto fd = test::connect_tcp("::1", echod.port());
    const std::string data = test::random_bytes(100'000, 26);
    test::send_all(fd.get(), proxy::encode_v2(h, true) + data);
    EXPECT_EQ(test::read_exactly(fd.get(), data.size()), data);
    fd.reset();
    EXPECT_TRUE(echod.log_contains("connection from [2001:db8::7]:4000 via [::1]:")) << echod.log();
}

TEST(Proxy, V1OverIPv6AndV2OverIPv4)
{
    REQUIRE_IPV6();
    auto echod = proxy_echod("[::]:0");
    {
        auto fd = test::connect_tcp("::1", echod.port());
        test::send_all(fd.get(), ptest::header(1, "2001:db8::9", 9, "::1", echod.port()) + "six");
        EXPECT_EQ(test::read_exactly(fd.get(), 3), "six");
    }
    {
        auto fd = test::connect_tcp("127.0.0.1", echod.port());
        test::send_all(fd.get(), ptest::header(2, "198.51.100.4", 4444, "127.0.0.1", echod.port()) + "four");
        EXPECT_EQ(test::read_exactly(fd.get(), 4), "four");
    }
    EXPECT_TRUE(echod.log_contains("connection from [2001:db8::9]:9 via [::1]:")) << echod.log();
    EXPECT_TRUE(echod.log_contains("connection from 198.51.100.4:4444 via 127.0.0.1:")) << echod.log();
}

// A header that arrives in pieces is put together; what follows it in the
// last piece is echoed.
TEST(Proxy, HeaderInPieces)
{
    auto echod = proxy_echod("127.0.0.1:0");
    for (const int version : {1, 2}) {
        const std::string header = ptest::header(version, "192.0.2.8", 8, "127.0.0.1", echod.port());
        auto fd = test::connect_tcp("127.0.0.1", echod.port());
        test::send_all(fd.get(), header.substr(0, 7));
        std::this_thread::sleep_for(50ms);
        test::send_all(fd.get(), header.substr(7, 5));
        std::this_thread::sleep_for(50ms);
        test::send_all(fd.get(), header.substr(12) + "after");
        EXPECT_EQ(test::read_exactly(fd.get(), 5), "after") << "version " << version;
    }
}

TEST(Proxy, LocalAndUnknownAreServedAsTheBalancer)
{
    auto echod = proxy_echod("127.0.0.1:0");
    proxy::header local;
    local.command = proxy::command::local;
    for (const std::string& header : {proxy::encode_v2(local, true), std::string("PROXY UNKNOWN\r\n")}) {
        auto fd = test::connect_tcp("127.0.0.1", echod.port());
        test::send_all(fd.get(), header + "check");
        EXPECT_EQ(test::read_exactly(fd.get(), 5), "check");
    }
    EXPECT_TRUE(echod.log_contains("(PROXY LOCAL) ended")) << echod.log();
    EXPECT_TRUE(echod.log_contains("(PROXY UNKNOWN) ended")) << echod.log();
}

TEST(Proxy, UntrustedPeerIsRefusedAndLogged)
{
    test::echod_instance echod(std::vector<std::string>{"--proxy-protocol", "--proxy-from", "192.0.2.0/24"});
    expect_refused("127.0.0.1", echod.port(), ptest::header(1, "203.0.113.1", 1, "127.0.0.1", echod.port()) + "x");
    EXPECT_TRUE(echod.log_contains("refused connection from 127.0.0.1:")) << echod.log();
    EXPECT_TRUE(echod.log_contains("not a trusted balancer (proxy-from)")) << echod.log();
    EXPECT_FALSE(echod.log_contains("203.0.113.1", 100ms)) << echod.log();
}

TEST(Proxy, HeaderNotWholeInTimeIsClosedAndLogged)
{
    auto echod = proxy_echod("127.0.0.1:0");
    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(fd.get(), "PROXY TCP4 192.0.2.");
    EXPECT_TRUE(test::peer_closes(fd.get(), 10s));
    EXPECT_TRUE(echod.log_contains("no whole PROXY header within 1 s (proxy-timeout)")) << echod.log();
}

TEST(Proxy, TruncatedHeaderIsLogged)
{
    auto echod = proxy_echod("127.0.0.1:0");
    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(fd.get(), ptest::header(2, "192.0.2.1", 1, "127.0.0.1", echod.port()).substr(0, 20));
    ::shutdown(fd.get(), SHUT_WR);
    EXPECT_TRUE(test::peer_closes(fd.get(), 10s));
    EXPECT_TRUE(echod.log_contains("closed before its PROXY header was whole")) << echod.log();
}

// Each malformed header is closed and logged with its own reason, over
// IPv4 and IPv6.
TEST(Proxy, MalformedOversizedAndCorruptedHeadersAreRefusedWithTheReason)
{
    const bool six = ipv6_loopback();
    auto echod = proxy_echod(six ? "[::]:0" : "127.0.0.1:0");
    const unsigned port = echod.port();
    std::string oversized = ptest::header(2, "192.0.2.1", 1, "127.0.0.1", port).substr(0, 16);
    oversized[14] = oversized[15] = '\xFF';
    std::string corrupted = proxy::encode_v2(
        proxy::relayed(2, ptest::address("192.0.2.1", 1), ptest::address("127.0.0.1", port)), true);
    corrupted[16] = static_cast<char>(corrupted[16] ^ 1);
    const std::pair<std::string, proxy::refusal> cases[] = {
        {"PROXY TCP4 192.0.2.1 127.0.0.1 1\r\nhello", proxy::refusal::malformed},
        {"PROXY TCP4 192.0.2.300 127.0.0.1 1 2\r\n", proxy::refusal::bad_address},
        {"PROXY UNKNOWN " + std::string(150, 'x'), proxy::refusal::too_long},
        {oversized, proxy::refusal::oversized},
        {corrupted + "data", proxy::refusal::bad_crc32c},
        {"POST / HTTP/1.0\r\n\r\n", proxy::refusal::bad_signature},
        {"hello\n", proxy::refusal::not_proxy},
    };
    for (const auto& [bytes, reason] : cases) {
        expect_refused("127.0.0.1", port, bytes);
        EXPECT_TRUE(echod.log_contains("refused PROXY connection from 127.0.0.1:" ) &&
                    echod.log_contains(std::string(proxy::describe(reason))))
            << proxy::name(reason) << "\n" << echod.log();
        if (six)
            expect_refused("::1", port, bytes);
    }
    EXPECT_FALSE(echod.log_contains("connection from 192.0.2.1", 100ms)) << echod.log();
}

// --max-per-source counts the carried client addresses: two from one client
// fill its share, the balancer (one peer address for all) has room for more.
TEST(Proxy, PerSourceLimitCountsCarriedAddresses)
{
    auto echod = proxy_echod("127.0.0.1:0", {"--max-per-source", "2"});
    const unsigned port = echod.port();
    const auto relayed = [&](const std::string& client, unsigned client_port) {
        auto fd = test::connect_tcp("127.0.0.1", port);
        test::send_all(fd.get(), ptest::header(2, client, client_port, "127.0.0.1", port) + "hi");
        return fd;
    };
    auto a1 = relayed("192.0.2.1", 1), a2 = relayed("192.0.2.1", 2);
    EXPECT_EQ(test::read_exactly(a1.get(), 2), "hi");
    EXPECT_EQ(test::read_exactly(a2.get(), 2), "hi");
    // A third from the same client waits (waiting_room.hpp), then is refused.
    auto a3 = relayed("192.0.2.1", 3);
    // Other clients through the same balancer are served meanwhile.
    auto b1 = relayed("192.0.2.2", 1), b2 = relayed("192.0.2.3", 1);
    EXPECT_EQ(test::read_exactly(b1.get(), 2), "hi");
    EXPECT_EQ(test::read_exactly(b2.get(), 2), "hi");
    EXPECT_TRUE(test::peer_closes(a3.get(), 10s));
    EXPECT_TRUE(echod.log_contains("refused connection from 192.0.2.1:3 via 127.0.0.1:")) << echod.log();
    EXPECT_TRUE(echod.log_contains("its source already has 2 connections (max-per-source)")) << echod.log();
}

// Off by default: a PROXY header sent to a plain listener is data, echoed.
TEST(Proxy, OffByDefault)
{
    test::echod_instance echod;
    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    const std::string header = ptest::header(1, "192.0.2.7", 4000, "127.0.0.1", echod.port());
    test::send_all(fd.get(), header);
    EXPECT_EQ(test::read_exactly(fd.get(), header.size()), header);
}

// Only the listener named gets PROXY; the other stays plain.
TEST(Proxy, ListenerByListener)
{
    const unsigned proxied = test::free_tcp_port(), plain = test::free_tcp_port();
    test::echod_instance echod(std::vector<std::string>{
        "--listen", "127.0.0.1:" + std::to_string(proxied), "--listen", "127.0.0.1:" + std::to_string(plain),
        "--proxy-protocol=127.0.0.1:" + std::to_string(proxied), "--proxy-from", "127.0.0.1"});
    const std::string header = ptest::header(1, "192.0.2.7", 4000, "127.0.0.1", proxied);
    auto p = test::connect_tcp("127.0.0.1", proxied);
    test::send_all(p.get(), header + "x");
    EXPECT_EQ(test::read_exactly(p.get(), 1), "x");
    auto q = test::connect_tcp("127.0.0.1", plain);
    test::send_all(q.get(), header);
    EXPECT_EQ(test::read_exactly(q.get(), header.size()), header);
}

// Mistakes that would leave a balancer's port unprotected or unserved stop
// echod at start with a usage error (64) that names the fix.
TEST(Proxy, UsageErrors)
{
    test::temp_dir dir;
    test::write_file(dir / "empty.conf", "");
    const auto run = [&](std::vector<std::string> args) {
        test::spawn_options o;
        o.argv = {test::echod_binary(), "--config", (dir / "empty.conf").string(), "--listen", "127.0.0.1:0"};
        o.argv.insert(o.argv.end(), args.begin(), args.end());
        o.stdout_file = dir / "out";
        o.stderr_file = dir / "err";
        auto p = test::process::spawn(std::move(o));
        const auto status = p.wait_for(15s);
        return std::make_pair(status.value_or(-1), test::read_file(dir / "err"));
    };
    auto [status, err] = run({"--proxy-protocol"});
    EXPECT_EQ(status, 64);
    EXPECT_NE(err.find("needs --proxy-from"), std::string::npos) << err;
    std::tie(status, err) = run({"--proxy-protocol", "--proxy-from", "127.0.0.1", "--prefork", "2"});
    EXPECT_EQ(status, 64);
    EXPECT_NE(err.find("does not work with --prefork"), std::string::npos) << err;
    std::tie(status, err) = run({"--proxy-protocol=127.0.0.1:1", "--proxy-from", "127.0.0.1"});
    EXPECT_EQ(status, 64);
    EXPECT_NE(err.find("names no TCP listener"), std::string::npos) << err;
    std::tie(status, err) = run({"--proxy-protocol", "--proxy-from", "10.0.0.0/33"});
    EXPECT_EQ(status, 64);
    EXPECT_NE(err.find("prefix /33"), std::string::npos) << err;
}

// --check-config validates the new keys as a reload reads them.
TEST(Proxy, CheckConfigValidatesTheKeys)
{
    test::temp_dir dir;
    const auto check = [&](const std::string& text) {
        test::write_file(dir / "echod.conf", text);
        test::spawn_options o;
        o.argv = {test::echod_binary(), "--check-config", "--config", (dir / "echod.conf").string()};
        o.stdout_file = dir / "out";
        o.stderr_file = dir / "err";
        auto p = test::process::spawn(std::move(o));
        const int status = p.wait_for(15s).value_or(-1); // before the log is read: it is complete then
        return std::make_pair(status, test::read_file(dir / "err"));
    };
    EXPECT_EQ(check("proxy-protocol = all\nproxy-from = 10.0.0.0/8\nproxy-from = 2001:db8::/32\n"
                    "proxy-timeout = 3\n").first, 0);
    auto [status, err] = check("proxy-protocol = all\n");
    EXPECT_EQ(status, 78);
    EXPECT_NE(err.find("needs --proxy-from"), std::string::npos) << err;
    std::tie(status, err) = check("proxy-from = 10.0.0.300\n");
    EXPECT_EQ(status, 78);
    EXPECT_NE(err.find("echod.conf:1: proxy-from"), std::string::npos) << err;
    std::tie(status, err) = check("proxy-protocol = 127.0.0.1\nproxy-from = ::1\n");
    EXPECT_EQ(status, 78);
    EXPECT_NE(err.find("echod.conf:1: proxy-protocol"), std::string::npos) << err;
    std::tie(status, err) = check("proxy-timeout = 0\n");
    EXPECT_EQ(status, 78);
}

} // namespace
