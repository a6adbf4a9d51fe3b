// echod speaks sd_notify: READY=1 once every socket listens, a STATUS= line
// that follows the connections, STOPPING=1 on SIGTERM.
#include "notified_echod.hpp"

#include "echod_instance.hpp"
#include "net.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;

class Readiness : public test::notified_echod {
protected:
    // With --max-per-source 1 (and `mode`): one connection held, two more
    // refused; STATUS= must say so.
    void status_counts_refusals(std::vector<std::string> mode)
    {
        test::echod_setup setup;
        setup.args = std::move(mode);
        setup.args.insert(setup.args.end(), {"--max-per-source", "1"});
        ASSERT_TRUE(start(setup));

        auto held = test::connect_tcp("127.0.0.1", echod->port());
        test::send_all(held.get(), "x");
        ASSERT_EQ(test::read_exactly(held.get(), 1), "x");
        for (int i = 0; i < 2; ++i) {
            const auto over = test::connect_tcp("127.0.0.1", echod->port());
            EXPECT_TRUE(test::peer_closes(over.get(), 10s));
        }
        EXPECT_TRUE(systemd.wait_for("STATUS=Serving 1 connection, 1 served, 2 refused, "))
            << "status never showed 1 served and 2 refused; log:\n" << echod->log();
    }
};

// The port in "... listening on 127.0.0.1:PORT" of a STATUS= value.
unsigned status_port(const std::string& message)
{
    const auto ports = test::numbers_after(message, "listening on 127.0.0.1:");
    return ports.empty() ? 0 : static_cast<unsigned>(ports.front());
}

TEST_F(Readiness, ReadyComesWithListeningSocket)
{
    ASSERT_TRUE(start());
    // READY=1 is the first thing echod says, and its own status names the
    // port: connecting there must already work.
    EXPECT_EQ(systemd.seen().front(), ready);
    const unsigned port = status_port(ready);
    ASSERT_EQ(port, echod->port()) << ready;
    auto fd = test::connect_tcp("127.0.0.1", port);
    test::send_all(fd.get(), "ping");
    EXPECT_EQ(test::read_exactly(fd.get(), 4), "ping");
}

TEST_F(Readiness, NoReadyWhenBindFails)
{
    // Occupy a port, then ask echod for it: it must exit 69 without READY=1.
    test::echod_instance holder;
    test::temp_dir dir;
    test::spawn_options o;
    o.argv = {test::echod_binary(), "--config", (dir / "none.conf").string(), "--listen",
              "127.0.0.1:" + std::to_string(holder.port())};
    test::write_file(dir / "none.conf", "");
    o.env = {systemd.environment()};
    o.stderr_file = dir / "stderr";
    auto p = test::process::spawn(o);
    EXPECT_EQ(p.wait_for(10s), 69);
    EXPECT_FALSE(systemd.wait_for("READY=1", 500ms)) << "READY=1 sent although nothing listens";
}

TEST_F(Readiness, StatusFollowsConnections)
{
    ASSERT_TRUE(start());

    auto a = test::connect_tcp("127.0.0.1", echod->port());
    auto b = test::connect_tcp("127.0.0.1", echod->port());
    const auto two = systemd.wait_for("STATUS=Serving 2 connections, 2 served");
    ASSERT_TRUE(two) << "status never showed 2 open connections; log:\n" << echod->log();

    a.reset();
    b.reset();
    EXPECT_TRUE(systemd.wait_for("STATUS=Serving 0 connections, 2 served"))
        << "status never went back to 0 open connections";
}

TEST_F(Readiness, StatusCountsRefusals) { status_counts_refusals({}); }

TEST_F(Readiness, StatusCountsPreforkRefusals)
{
    // Workers refuse by themselves; the parent counts their refusals, and
    // a refused connection is not one served.
    status_counts_refusals({"--prefork", "2"});
}

TEST_F(Readiness, StoppingOnSigterm)
{
    ASSERT_TRUE(start());

    echod->proc().signal(SIGTERM);
    const auto stopping = systemd.wait_for("STOPPING=1");
    ASSERT_TRUE(stopping);
    EXPECT_TRUE(test::field_value(*stopping, "STATUS").has_value());
    EXPECT_EQ(echod->proc().wait_for(10s), 0);
}

TEST_F(Readiness, SilentWithoutNotifySocket)
{
    // Outside systemd echod must work the same and try no notification:
    // nothing in its log about systemd. Not start(): that sets NOTIFY_SOCKET.
    test::echod_instance plain;
    auto fd = test::connect_tcp("127.0.0.1", plain.port());
    test::send_all(fd.get(), "x");
    EXPECT_EQ(test::read_exactly(fd.get(), 1), "x");
    EXPECT_EQ(plain.log().find("systemd"), std::string::npos) << plain.log();
    fd.reset(); // not a shutdown test: nothing left for stop() to wait for
    EXPECT_EQ(plain.stop(), 0);
}

} // namespace
