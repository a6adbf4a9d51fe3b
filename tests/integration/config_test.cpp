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

// --check-config (-t): the configuration as a reload reads it, checked
// without serving. The units' ExecReload= runs it before the SIGHUP, so a
// broken file fails `systemctl reload` (tests/system checks that under systemd).
TEST(CheckConfig, FineFileExitsZeroWithOneLineAndServesNothing)
{
    test::temp_dir dir;
    const auto file = (dir / "echod.conf").string();
    test::write_file(file, "# fine\nmax-connections = 10\nlisten = 127.0.0.1:1\n");
    for (const char* option : {"--check-config", "-t"}) {
        const auto r = itest::run_echod({option, "--config", file});
        EXPECT_EQ(r.status, 0) << option << ": " << r.err;
        EXPECT_TRUE(itest::one_line(r.out)) << option << ": " << r.out;
        EXPECT_NE(r.out.find(file + " is fine"), std::string::npos) << option << ": " << r.out;
        EXPECT_EQ(r.err, "") << option;
    }
}

// The message is the reason a reload logs after "reload failed, keeping the
// running configuration: ", and the status is 78 (EX_CONFIG).
TEST(CheckConfig, BrokenFileExits78WithWhatAReloadWouldLog)
{
    test::echod_setup setup;
    setup.config_text = "max-per-source = 5\n";
    test::echod_instance echod(setup);
    test::write_file(echod.config_file(), "max-per-source = 5\nmax-conections = 5\n");

    const auto r = itest::run_echod({"--check-config", "--config", echod.config_file().string()});
    EXPECT_EQ(r.status, 78) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(itest::one_line(r.err)) << r.err;
    const std::string reason = echod.config_file().string() + ":2: unknown key 'max-conections'";
    EXPECT_NE(r.err.find("configuration check failed: " + reason), std::string::npos) << r.err;

    echod.proc().signal(SIGHUP);
    EXPECT_TRUE(echod.log_contains("reload failed, keeping the running configuration: " + reason)) << echod.log();
    EXPECT_EQ(itest::echo_once(echod.port(), "still here\n"), "still here\n");
}

// The command line is part of what is checked, and wins over the file, as
// in a reload; a bad value in the file is refused even when the command line
// sets the key (a reload refuses it too).
TEST(CheckConfig, ChecksTheFileUnderTheCommandLine)
{
    test::temp_dir dir;
    const auto file = (dir / "echod.conf").string();
    test::write_file(file, "idle-timeout = soon\n");
    const auto bad = itest::run_echod({"-t", "--config", file, "--idle-timeout", "5"});
    EXPECT_EQ(bad.status, 78) << bad.err;
    EXPECT_NE(bad.err.find(file + ":1: idle-timeout"), std::string::npos) << bad.err;

    const auto missing = itest::run_echod({"-t", "--config", (dir / "absent.conf").string()});
    EXPECT_EQ(missing.status, 78) << missing.err;
    EXPECT_NE(missing.err.find("absent.conf"), std::string::npos) << missing.err;

    const auto usage = itest::run_echod({"-t", "--max-connections", "lots"});
    EXPECT_EQ(usage.status, 64) << usage.err; // a bad command line is a usage error, as at start
}

} // namespace
