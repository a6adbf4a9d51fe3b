// SIGHUP (systemctl reload) re-reads the configuration: RELOADING=1 with
// MONOTONIC_USEC, then READY=1; a bad file keeps the running configuration.
#include "notified_echod.hpp"

#include "echod_instance.hpp"
#include "net.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <time.h>

namespace {

using namespace std::chrono_literals;

long long monotonic_usec()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1'000;
}

struct Reload : test::notified_echod {
    static test::echod_setup with_config(std::string config)
    {
        test::echod_setup setup;
        setup.config_text = std::move(config);
        return setup;
    }

    void reload_with(const std::string& config)
    {
        test::write_file(echod->config_file(), config);
        echod->proc().signal(SIGHUP);
    }
};

TEST_F(Reload, ReloadingThenReady)
{
    ASSERT_TRUE(start());
    const long long before = monotonic_usec();
    reload_with("log-level = debug\n");
    const auto reloading = systemd.wait_for("RELOADING=1");
    ASSERT_TRUE(reloading);
    const auto usec = test::field_value(*reloading, "MONOTONIC_USEC");
    ASSERT_TRUE(usec) << *reloading;
    EXPECT_GE(std::stoll(*usec), before);
    EXPECT_LE(std::stoll(*usec), monotonic_usec());
    EXPECT_TRUE(systemd.wait_for("READY=1")) << "no READY=1 after the reload";
    EXPECT_TRUE(echod->log_contains("configuration reloaded: log-level debug"));
}

TEST_F(Reload, NewLimitsApply)
{
    ASSERT_TRUE(start(with_config("max-per-source = 5\n")));
    reload_with("max-per-source = 1\n");
    ASSERT_TRUE(systemd.wait_for("READY=1"));

    auto first = test::connect_tcp("127.0.0.1", echod->port());
    test::send_all(first.get(), "a");
    ASSERT_EQ(test::read_exactly(first.get(), 1), "a");
    auto second = test::connect_tcp("127.0.0.1", echod->port());
    EXPECT_TRUE(test::peer_closes(second.get(), 5s)) << "a second connection from one source survived max-per-source 1";
}

TEST_F(Reload, BadConfigKeepsServing)
{
    ASSERT_TRUE(start(with_config("max-per-source = 5\n")));
    reload_with("max-per-source = many\n");
    ASSERT_TRUE(systemd.wait_for("READY=1")) << "echod must report ready again after a failed reload";
    EXPECT_TRUE(echod->log_contains("reload failed, keeping the running configuration"));
    EXPECT_TRUE(echod->log_contains("echod.conf:1: max-per-source"));

    // Still serving, with the old limit of 5.
    std::vector<echo::unique_fd> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(test::connect_tcp("127.0.0.1", echod->port()));
        test::send_all(clients.back().get(), "ok");
        EXPECT_EQ(test::read_exactly(clients.back().get(), 2), "ok");
    }
}

// A reload that fails changes nothing: its log says "keeping the running
// configuration", so the new max-connections must not be in force either.
// Here the new idle timeout cannot be set on the listener (a preloaded
// setsockopt fails after the start).
TEST_F(Reload, AFailedReloadChangesNothing)
{
    auto setup = with_config("max-connections = 1\nidle-timeout = 60\n");
    setup.env = {"LD_PRELOAD=" FAULT_INJECTION_LIBRARY, "ECHO_TEST_RCVTIMEO_CALLS=1",
                 "ASAN_OPTIONS=verify_asan_link_order=0"};
    ASSERT_TRUE(start(std::move(setup)));
    reload_with("max-connections = 3\nidle-timeout = 30\n");
    ASSERT_TRUE(systemd.wait_for("READY=1")) << echod->log();
    ASSERT_TRUE(echod->log_contains("reload failed, keeping the running configuration")) << echod->log();
    EXPECT_TRUE(echod->log_contains("SO_RCVTIMEO")) << echod->log();

    auto first = test::connect_tcp("127.0.0.1", echod->port());
    test::send_all(first.get(), "a");
    ASSERT_EQ(test::read_exactly(first.get(), 1), "a");
    // Still max-connections 1: the second waits in the backlog until the first ends.
    auto second = test::connect_tcp("127.0.0.1", echod->port());
    test::send_all(second.get(), "b");
    EXPECT_FALSE(test::readable(second.get(), 1500ms)) << "served beyond the max-connections still in force";
    first.reset();
    EXPECT_EQ(test::read_exactly(second.get(), 1), "b");
}

// An admin lowers idle-timeout against a slowloris: the reload reaches the
// connections already open (each gets the new timeout from the reload on),
// in both modes, not only those accepted after it.
class ReloadIdleTimeout : public Reload, public ::testing::WithParamInterface<const char*> {};

TEST_P(ReloadIdleTimeout, ALoweredIdleTimeoutReachesOpenConnections)
{
    auto setup = with_config("idle-timeout = 60\n");
    if (std::string(GetParam()) == "prefork")
        setup.args = {"--prefork", "2"};
    ASSERT_TRUE(start(std::move(setup)));
    std::vector<echo::unique_fd> open;
    for (int i = 0; i < 5; ++i) {
        open.push_back(test::connect_tcp("127.0.0.1", echod->port()));
        test::send_all(open.back().get(), "x");
        ASSERT_EQ(test::read_exactly(open.back().get(), 1), "x");
    }
    reload_with("idle-timeout = 2\n");
    ASSERT_TRUE(systemd.wait_for("READY=1")) << echod->log();
    const auto reloaded = std::chrono::steady_clock::now();
    // 2 s from the reload; 60 s would be the old timeout. The margin is for a loaded machine.
    for (const auto& fd : open)
        EXPECT_TRUE(test::peer_closes(fd.get(), 20s)) << echod->log();
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - reloaded).count();
    EXPECT_GE(took, 1.5) << "closed before the new timeout ran out";
    EXPECT_LT(took, 20.0);
    EXPECT_TRUE(echod->log_contains("ended: idle timeout")) << echod->log();
}

INSTANTIATE_TEST_SUITE_P(Modes, ReloadIdleTimeout, ::testing::Values("fork_per_connection", "prefork"),
                         [](const auto& param_info) { return std::string(param_info.param); });

TEST_F(Reload, ListenChangeNeedsRestart)
{
    // Listen addresses from the file: a reload that changes them is reported,
    // and the running socket stays.
    auto setup = with_config("listen = 127.0.0.1:0\n");
    setup.listen_on_free_port = false;
    ASSERT_TRUE(start(setup));

    reload_with("listen = [::1]:0\n");
    ASSERT_TRUE(systemd.wait_for("READY=1"));
    EXPECT_TRUE(echod->log_contains("change only on restart"));
    auto fd = test::connect_tcp("127.0.0.1", echod->port());
    test::send_all(fd.get(), "z");
    EXPECT_EQ(test::read_exactly(fd.get(), 1), "z");
}

} // namespace
