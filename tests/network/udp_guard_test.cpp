// UDP echo's guards against datagrams no client of a local test could send
// (issue 15): source ports below 1024, a spoofed source (raw socket) that
// would start a loop between two echo servers, a loopback source sent to an
// outside address. Two network namespaces joined by a veth pair (netns.hpp);
// needs root. Martian sources (multicast, 0/8, 255/8, broadcast) never get
// past the kernel's own checks to echod: the unit tests cover those rules.
#include "echod_in_namespace.hpp"
#include "netns.hpp"

#include "echod_instance.hpp"
#include "process.hpp"
#include "udp.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <signal.h>

#include <cstring>

namespace {

using namespace std::chrono_literals;
using netns::echo_port;
using netns::veth_path;

// echod with UDP echo on `address`:7 inside `ns`.
class udp_echod_in {
public:
    udp_echod_in(const netns::network_namespace& ns, const std::string& address)
    {
        test::write_file(dir_ / "echod.conf", "");
        test::spawn_options o;
        o.argv = {test::echod_binary(), "--config", (dir_ / "echod.conf").string(), "--listen", address + ":7",
                  "--listen-udp", address + ":7"};
        o.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "JOURNAL_STREAM"};
        o.stderr_file = dir_ / "stderr";
        process_ = ns.spawn(std::move(o));
        if (!test::eventually([&] { return log().find("UDP echo on") != std::string::npos || !process_.running(); },
                              15s) ||
            !process_.running())
            throw std::runtime_error("echod did not start; its log:\n" + log());
    }
    [[nodiscard]] std::string log() const { return process_.stderr_text(); }
    // Stops echod; its last UDP line counts what it echoed and refused.
    struct counts {
        unsigned long echoed = 0;
        unsigned long refused = 0;
    };
    counts stop()
    {
        process_.signal(SIGTERM);
        if (process_.wait_for(15s) != 0)
            throw std::runtime_error("echod did not stop cleanly; its log:\n" + log());
        const auto text = log();
        const auto at = text.find("UDP echo stopped: ");
        if (at == std::string::npos)
            throw std::runtime_error("no UDP summary in the log:\n" + text);
        const auto numbers = test::numbers_after(text.substr(at), ": ");
        const auto refused = test::numbers_after(text.substr(at), "echoed, ");
        return {numbers.at(0), refused.at(0)};
    }

private:
    test::temp_dir dir_;
    test::process process_;
};

class UdpGuards : public testing::Test {
protected:
    void SetUp() override
    {
        if (const auto why = netns::missing_precondition(); !why.empty())
            GTEST_SKIP() << why;
        path_.emplace();
    }
    const veth_path& path() { return *path_; }

    // Whether a datagram from source_host:source_port (a socket of `ns`) to
    // host:7 comes back.
    static bool echoed(const netns::network_namespace& ns, const std::string& source_host, unsigned source_port,
                       const std::string& host)
    {
        bool back = false;
        ns.inside([&] {
            const auto fd = test::udp_socket(source_host, source_port);
            back = test::udp_exchange(fd.get(), host, echo_port, "guarded?", 1, 500ms).has_value();
        });
        return back;
    }

    std::optional<veth_path> path_;
};

TEST_F(UdpGuards, LowSourcePortsAreRefusedHighOnesServed)
{
    udp_echod_in echod(path().server(), veth_path::server_address);
    bool ready = false;
    path().client().inside(
        [&] { ready = test::udp_echo_ready(veth_path::server_address, echo_port, veth_path::client_address); });
    ASSERT_TRUE(ready) << echod.log();
    // OpenBSD's below-1024 and 2049, NetBSD's chargen (19) and time (37).
    for (unsigned port : {19U, 37U, 1023U, 2049U})
        EXPECT_FALSE(echoed(path().client(), veth_path::client_address, port, veth_path::server_address)) << port;
    EXPECT_TRUE(echoed(path().client(), veth_path::client_address, 40000, veth_path::server_address));
    const auto counts = echod.stop();
    EXPECT_EQ(counts.refused, 4U) << echod.log();
    const auto log = echod.log();
    EXPECT_NE(log.find("refused a UDP datagram from 192.0.2.2:19: source port below 1024 or 2049"), std::string::npos)
        << log;
    EXPECT_NE(log.find("refused 3 more UDP datagrams in the last"), std::string::npos) << log;
}

// A UDP datagram with a forged source, as the 1996 advisory's attacker sent it.
void send_spoofed(int raw, const char* from, unsigned from_port, const char* to, unsigned to_port,
                  const std::string& payload)
{
    std::string packet(sizeof(iphdr) + sizeof(udphdr) + payload.size(), '\0');
    iphdr ip{};
    ip.version = 4;
    ip.ihl = 5;
    ip.ttl = 64;
    ip.protocol = IPPROTO_UDP;
    ip.tot_len = htons(static_cast<std::uint16_t>(packet.size()));
    ::inet_pton(AF_INET, from, &ip.saddr);
    ::inet_pton(AF_INET, to, &ip.daddr);
    udphdr udp{};
    udp.source = htons(static_cast<std::uint16_t>(from_port));
    udp.dest = htons(static_cast<std::uint16_t>(to_port));
    udp.len = htons(static_cast<std::uint16_t>(sizeof udp + payload.size()));
    udp.check = 0; // none: allowed over IPv4
    std::memcpy(packet.data(), &ip, sizeof ip);
    std::memcpy(packet.data() + sizeof ip, &udp, sizeof udp);
    std::memcpy(packet.data() + sizeof ip + sizeof udp, payload.data(), payload.size());
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    ::inet_pton(AF_INET, to, &dst.sin_addr);
    ASSERT_EQ(::sendto(raw, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst),
              static_cast<ssize_t>(packet.size()))
        << std::strerror(errno);
}

TEST_F(UdpGuards, LoopBetweenTwoEchodsDiesAtTheFirstHop)
{
    // Two echo servers, each on port 7, and a datagram spoofed from one to
    // the other: answered, it would bounce between them for ever.
    udp_echod_in first(path().server(), veth_path::server_address);
    udp_echod_in second(path().client(), veth_path::client_address);
    bool ready = false;
    path().client().inside(
        [&] { ready = test::udp_echo_ready(veth_path::server_address, echo_port, veth_path::client_address); });
    ASSERT_TRUE(ready) << first.log();
    path().server().inside(
        [&] { ready = test::udp_echo_ready(veth_path::client_address, echo_port, veth_path::server_address); });
    ASSERT_TRUE(ready) << second.log();

    echo::unique_fd raw;
    path().client().inside([&] { raw.reset(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)); });
    ASSERT_TRUE(raw) << std::strerror(errno);
    send_spoofed(raw.get(), veth_path::client_address, echo_port, veth_path::server_address, echo_port,
                 "ping-pong for ever");
    const auto refused_line = "refused a UDP datagram from 192.0.2.2:7: source port is a port echod serves";
    EXPECT_TRUE(test::eventually([&] { return first.log().find(refused_line) != std::string::npos; }, 5s))
        << first.log();

    const auto first_counts = first.stop();
    const auto second_counts = second.stop();
    EXPECT_EQ(first_counts.refused, 1U) << first.log();
    // Nothing reached the second: the loop died at the first hop.
    EXPECT_EQ(second_counts.refused, 0U) << second.log();
    EXPECT_EQ(second.log().find("refused a UDP datagram"), std::string::npos) << second.log();
}

TEST_F(UdpGuards, LoopbackSourceOnlyToALoopbackAddress)
{
    // In echod's own namespace a local program can send from 127.0.0.1 to
    // the veth address: a datagram no outside host could send, and one that
    // a packet with a forged loopback source would look like.
    udp_echod_in echod(path().server(), "[::]");
    EXPECT_TRUE(echoed(path().server(), "127.0.0.1", 0, "127.0.0.1"));
    EXPECT_FALSE(echoed(path().server(), "127.0.0.1", 0, veth_path::server_address));
    EXPECT_TRUE(echoed(path().client(), veth_path::client_address, 0, veth_path::server_address));
    const auto counts = echod.stop();
    EXPECT_EQ(counts.refused, 1U) << echod.log();
    EXPECT_NE(echod.log().find("loopback source address sent to an address that is not loopback"), std::string::npos)
        << echod.log();
}

} // namespace
