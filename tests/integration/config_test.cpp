// The configuration file: same keys as the options, the command line wins,
// comments are fine.
#include "helpers.hpp"

#include <signal.h>

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

// The shutdown log line says which shutdown-timeout is in force.
std::string grace_announced(test::echod_instance& echod)
{
    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(fd.get(), "x");
    (void)test::read_exactly(fd.get(), 1);
    echod.proc().signal(SIGTERM);
    if (!echod.log_contains("to finish"))
        return "no shutdown line in: " + echod.log();
    const std::string log = echod.log();
    const auto end = log.find(" s to finish");
    const auto start = log.rfind(' ', end - 1);
    return log.substr(start + 1, end - start - 1);
}

TEST(ConfigFile, ValueFromFileIsUsed)
{
    test::echod_setup setup;
    setup.config_text = "# grace for connections\nshutdown-timeout = 7\n";
    test::echod_instance echod(setup);
    EXPECT_EQ(grace_announced(echod), "7");
}

TEST(ConfigFile, CommandLineWinsOverFile)
{
    test::echod_setup setup;
    setup.config_text = "shutdown-timeout = 7\n";
    setup.args = {"--shutdown-timeout", "1"};
    test::echod_instance echod(setup);
    EXPECT_EQ(grace_announced(echod), "1");
}

// A listen address in the file that could not be bound here (68) is
// overridden by --listen on the command line.
TEST(ConfigFile, CommandLineListenReplacesFileListen)
{
    test::echod_setup setup;
    setup.config_text = "listen = 192.0.2.1:7\n";
    test::echod_instance echod(setup); // adds --listen 127.0.0.1:0
    EXPECT_EQ(itest::echo_once(echod.port(), "cli wins\n"), "cli wins\n");
    EXPECT_EQ(echod.log().find("192.0.2.1"), std::string::npos) << echod.log();
}

TEST(ConfigFile, OnlyCommentsAndBlankLinesRuns)
{
    test::echod_setup setup;
    setup.config_text = "# echod.conf\n\n   # indented comment\n\t\n";
    test::echod_instance echod(setup);
    EXPECT_EQ(itest::echo_once(echod.port(), "ok\n"), "ok\n");
}

// A missing default file is fine, a missing named one is not. The default
// (/etc/echod.conf) cannot be touched by a test, so the named case is shown
// with a path in a fresh temp dir.
TEST(ConfigFile, MissingNamedFileIsNoInput)
{
    test::temp_dir dir;
    const auto missing = (dir / "echod.conf").string();
    const auto r = itest::run_echod({"--config", missing, "--listen", "127.0.0.1:0"});
    EXPECT_EQ(r.status, 66) << r.err;
    EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

} // namespace
