// echod behind real load balancers (issue 26): HAProxy with send-proxy (v1)
// and send-proxy-v2, nginx's stream module with proxy_protocol on (v1). Each
// is started by the test on a free loopback port in front of echod; through
// it, a round trip and a 10 MB binary stream come back byte-exact, echod's
// log names the client (not the balancer), and --max-per-source counts the
// clients: 200 of them from 4 addresses through one balancer, at most 64
// per address, are all served.
#include "balancers.hpp"

#include "echod_instance.hpp"
#include "net.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

enum class kind { haproxy_v1, haproxy_v2, nginx };

std::string name_of(kind k)
{
    return k == kind::haproxy_v1 ? "HAProxySendProxy" : k == kind::haproxy_v2 ? "HAProxySendProxyV2" : "NginxStream";
}

class Balancer : public ::testing::TestWithParam<kind> {
protected:
    void SetUp() override
    {
        echod_.emplace(std::vector<std::string>{"--proxy-protocol", "--proxy-from", "127.0.0.1", "--max-per-source",
                                                "64", "--max-connections", "512", "--connection-log-rate", "0"});
        switch (GetParam()) {
        case kind::haproxy_v1: balancer_ = ptest::start_haproxy(dir_, echod_->port(), "send-proxy"); break;
        case kind::haproxy_v2: balancer_ = ptest::start_haproxy(dir_, echod_->port(), "send-proxy-v2"); break;
        case kind::nginx: balancer_ = ptest::start_nginx(dir_, echod_->port()); break;
        }
        if (!balancer_.unavailable.empty())
            GTEST_SKIP() << balancer_.unavailable;
    }

    // Destroyed in reverse: the balancer (its whole process group) first, then echod.
    test::temp_dir dir_;
    std::optional<test::echod_instance> echod_;
    ptest::balancer balancer_;
};

TEST_P(Balancer, RoundTripAndTheLogNamesTheClient)
{
    auto fd = test::connect_tcp("127.0.0.1", balancer_.port, "127.0.0.2");
    test::send_all(fd.get(), "hello through a balancer\n");
    EXPECT_EQ(test::read_exactly(fd.get(), 25), "hello through a balancer\n");
    fd.reset();
    EXPECT_TRUE(echod_->log_contains("connection from 127.0.0.2:")) << echod_->log();
    EXPECT_TRUE(echod_->log_contains(" via 127.0.0.1:")) << echod_->log();
}

TEST_P(Balancer, TenMegabytesOfBinaryComeBackByteExact)
{
    const std::string data = test::random_bytes(10 * 1024 * 1024, 26);
    auto fd = test::connect_tcp("127.0.0.1", balancer_.port);
    std::thread writer([&] { test::send_all(fd.get(), data); });
    std::string back;
    try {
        back = test::read_exactly(fd.get(), data.size(), 30s);
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
    }
    writer.join();
    EXPECT_TRUE(back == data) << back.size() << " of " << data.size() << " bytes back, not the same";
}

// Without PROXY all 200 would be one source (the balancer) and 136 refused.
TEST_P(Balancer, TwoHundredClientsFromFourAddressesAreAllServed)
{
    constexpr int clients = 200;
    std::vector<echo::unique_fd> fds;
    for (int i = 0; i < clients; ++i)
        fds.push_back(test::connect_tcp("127.0.0.1", balancer_.port, "127.0.0." + std::to_string(1 + i % 4)));
    for (int i = 0; i < clients; ++i)
        test::send_all(fds[i].get(), "client " + std::to_string(1000 + i) + "\n");
    // All are held open at once: each answers while the other 199 are connected.
    int served = 0;
    for (int i = 0; i < clients; ++i) {
        try {
            served += test::read_exactly(fds[i].get(), 12, 20s) == "client " + std::to_string(1000 + i) + "\n";
        } catch (const std::exception& e) {
            ADD_FAILURE() << "client " << i << ": " << e.what();
        }
    }
    EXPECT_EQ(served, clients);
    fds.clear();
    EXPECT_FALSE(echod_->log_contains("refused", 200ms)) << echod_->log();
    EXPECT_TRUE(test::eventually([&] { return echod_->log_lines_with(" via 127.0.0.1:") >= clients; }, 20s))
        << echod_->log();
    for (int a = 1; a <= 4; ++a)
        EXPECT_EQ(echod_->log_lines_with("connection from 127.0.0." + std::to_string(a) + ":"), clients / 4u);
}

INSTANTIATE_TEST_SUITE_P(Behind, Balancer, ::testing::Values(kind::haproxy_v1, kind::haproxy_v2, kind::nginx),
                         [](const auto& p) { return name_of(p.param); });

} // namespace
