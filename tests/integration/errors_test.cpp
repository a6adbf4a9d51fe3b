// Every documented user error: a distinct exit status (sysexits) and exactly
// one line on stderr that names the cause, nothing on stdout.
#include "helpers.hpp"
#include "staged_binary.hpp"

#include "echo/version.hpp"

#include <grp.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

namespace {

using namespace std::chrono_literals;

void expect_failure(const itest::finished& r, int status, const std::vector<std::string>& mentions)
{
    EXPECT_EQ(r.status, status) << "stderr: " << r.err;
    EXPECT_TRUE(itest::one_line(r.err)) << "stderr is not one line: '" << r.err << "'";
    for (const auto& m : mentions)
        EXPECT_NE(r.err.find(m), std::string::npos) << "stderr does not mention '" << m << "': " << r.err;
    EXPECT_EQ(r.out, "");
}

// echod always gets its own (empty) configuration file, so whatever is in
// /etc/echod.conf on this machine cannot change the outcome.
class EchodErrors : public ::testing::Test {
protected:
    itest::finished echod(std::vector<std::string> args, std::function<void()> in_child = {})
    {
        if (std::find(args.begin(), args.end(), "--config") == args.end())
            args.insert(args.begin(), {"--config", empty_config.string()});
        return itest::run_echod(args, std::move(in_child));
    }
    std::filesystem::path config(const std::string& text)
    {
        const auto path = dir / ("echod-" + std::to_string(++configs) + ".conf");
        test::write_file(path, text);
        return path;
    }

    test::temp_dir dir;
    std::filesystem::path empty_config = config("");
    int configs = 0;
};

TEST_F(EchodErrors, ListenNonsenseIsUsage)
{
    expect_failure(echod({"--listen", "nonsense"}), 64, {"nonsense"});
}

TEST_F(EchodErrors, PortOutOfRangeIsUsage)
{
    expect_failure(echod({"--listen", ":70000"}), 64, {"70000"});
}

TEST_F(EchodErrors, NegativeBacklogIsUsage)
{
    expect_failure(echod({"--backlog", "-1"}), 64, {"backlog", "-1"});
}

TEST_F(EchodErrors, UnknownOptionIsUsage)
{
    expect_failure(echod({"--no-such-option"}), 64, {"no-such-option"});
}

TEST_F(EchodErrors, OtherBadValuesAreUsage)
{
    expect_failure(echod({"--log-level", "loud"}), 64, {"loud"});
    expect_failure(echod({"--shutdown-timeout", "soon"}), 64, {"soon"});
    expect_failure(echod({"--listen", "127.0.0.1"}), 64, {"127.0.0.1"}); // no port: not quietly port 7
    expect_failure(echod({"--listen", "::1:7"}), 64, {"::1:7"});
    expect_failure(echod({"--listen", "[::1]"}), 64, {"[::1]", "no port"}); // as for 127.0.0.1
}

// Linux cannot listen on an IPv4-mapped address: say so, and what to write.
TEST_F(EchodErrors, V4MappedListenAddressIsUsage)
{
    expect_failure(echod({"--listen", "[::ffff:127.0.0.1]:7777"}), 64, {"IPv4-mapped", "127.0.0.1:7777"});
}

TEST_F(EchodErrors, ConfigFileThatIsADirectoryNamesTheReason)
{
    expect_failure(echod({"--config", dir.path().string()}), 66, {dir.path().string(), "Is a directory"});
}

// A binary file given as the configuration: its bytes are shown escaped, not raw.
TEST_F(EchodErrors, BinaryConfigFileIsShownEscaped)
{
    const auto path = config("\x7f" "ELF\x02\x01 = \x01\n");
    const auto r = echod({"--config", path.string()});
    expect_failure(r, 78, {path.string() + ":1", "\\x7fELF\\x02\\x01"});
    EXPECT_EQ(r.err.find('\x7f'), std::string::npos) << "raw bytes in the message";
}

TEST_F(EchodErrors, NamedConfigFileMissingIsNoInput)
{
    const auto missing = (dir / "does-not-exist.conf").string();
    expect_failure(echod({"--config", missing}), 66, {missing});
}

// A syntax error names FILE:LINE so the admin can go straight to it.
TEST_F(EchodErrors, ConfigSyntaxErrorNamesFileAndLine)
{
    const auto path = config("# comment\nlisten = 127.0.0.1:0\nthis line is wrong\n");
    expect_failure(echod({"--config", path.string()}), 78, {path.string() + ":3"});
}

TEST_F(EchodErrors, ConfigUnknownKeyIsConfigError)
{
    const auto path = config("colour = blue\n");
    expect_failure(echod({"--config", path.string()}), 78, {path.string() + ":1", "colour"});
}

TEST_F(EchodErrors, ConfigBadValueIsConfigError)
{
    const auto path = config("\nbacklog = -1\n");
    expect_failure(echod({"--config", path.string()}), 78, {path.string() + ":2", "backlog"});
}

TEST_F(EchodErrors, AddressInUseIsUnavailable)
{
    auto taken = itest::reserve_port();
    ASSERT_EQ(::listen(taken.fd.get(), 1), 0);
    const std::string where = "127.0.0.1:" + std::to_string(taken.port);
    expect_failure(echod({"--listen", where}), 69, {where, "in use"});
}

// Binding port 7 as an ordinary user: say why and suggest a port >= 1024.
TEST_F(EchodErrors, PrivilegedPortWithoutPrivilegeIsNoPermission)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to drop to user nobody (running as uid " << ::geteuid() << ")";
    std::ifstream start_file("/proc/sys/net/ipv4/ip_unprivileged_port_start");
    int unprivileged_start = 1024;
    start_file >> unprivileged_start;
    if (unprivileged_start <= 7)
        GTEST_SKIP() << "net.ipv4.ip_unprivileged_port_start is " << unprivileged_start
                     << ": every user may bind port 7 here";
    const auto drop_to_nobody = [] {
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(125);
    };
    // nobody must reach the program: the build tree may be under /root (0700).
    std::string why;
    const auto staged = test::staged_binary::make(test::echod_binary(), why);
    if (!staged)
        GTEST_SKIP() << "cannot stage echod where user nobody can run it: " << why;
    test::spawn_options o;
    // /dev/null as configuration: the test's temp dir is not readable by nobody.
    o.argv = {staged->path().string(), "--config", "/dev/null", "--listen", "127.0.0.1:7"};
    o.in_child = drop_to_nobody;
    const auto r = itest::run_to_end(std::move(o));
    ASSERT_NE(r.status, 125) << "could not drop privileges";
    expect_failure(r, 77, {"127.0.0.1:7", "1024"});
}

// 192.0.2.1 (TEST-NET-1) is on no interface here: bind fails, no traffic.
TEST_F(EchodErrors, AddressNotOnThisHostIsNoHost)
{
    expect_failure(echod({"--listen", "192.0.2.1:0"}), 68, {"192.0.2.1"});
}

TEST_F(EchodErrors, HelpAndVersionGoToStdout)
{
    auto r = echod({"--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("--listen"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
    r = echod({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, std::string("echod ") + echo::version + "\n");
    EXPECT_EQ(r.err, "");
}

TEST(ClientErrors, MissingArgumentsAreUsage)
{
    expect_failure(itest::run_client({}), 64, {"missing HOST and PORT"});
    // HOST was given: only PORT is missing, and the message says no more.
    const auto r = itest::run_client({"127.0.0.1"});
    expect_failure(r, 64, {"missing PORT", "127.0.0.1"});
    EXPECT_EQ(r.err.find("HOST and PORT"), std::string::npos) << r.err;
    expect_failure(itest::run_client({"--no-such-option", "127.0.0.1", "7"}), 64, {"no-such-option"});
}

// Boost's own words ("too many positional options") name nothing.
TEST(ClientErrors, SurplusArgumentIsNamed)
{
    expect_failure(itest::run_client({"127.0.0.1", "7", "extra"}), 64, {"'extra'", "after HOST and PORT"});
    expect_failure(itest::run_client({"--ping", "127.0.0.1", "7", "-c", "1", "surplus"}), 64, {"'surplus'"});
}

// An empty HOST is not localhost: getaddrinfo would take it so, and a
// script whose variable came out empty would talk to the wrong server.
TEST(ClientErrors, EmptyHostIsUsage)
{
    expect_failure(itest::run_client({"", "7777"}), 64, {"HOST is empty"});
    expect_failure(itest::run_client({"--ping", "-c", "1", "", "7777"}), 64, {"HOST is empty"});
    expect_failure(itest::run_client({"[]", "7777"}), 64, {"HOST is empty"});
}

TEST(ClientErrors, BadPortIsUsage)
{
    expect_failure(itest::run_client({"127.0.0.1", "70000"}), 64, {"70000", "1 to 65535"});
    // Port 0 is nowhere to connect to: refused here, not at connect (69).
    expect_failure(itest::run_client({"127.0.0.1", "0"}), 64, {"PORT 0", "1 to 65535"});
    expect_failure(itest::run_client({"--udp", "127.0.0.1", "0"}), 64, {"PORT 0", "1 to 65535"});
    expect_failure(itest::run_client({"127.0.0.1", "seven seas"}), 64, {"seven seas"});
}

// Not getaddrinfo's "Servname not supported for ai_socktype" (status 68).
TEST(ClientErrors, UnknownServiceIsUsage)
{
    const auto r = itest::run_client({"127.0.0.1", "notaservice"});
    expect_failure(r, 64, {"'notaservice' is not a port number or a known service name"});
    EXPECT_EQ(r.err.find("Servname"), std::string::npos) << r.err;
}

// Resolution happens in a network namespace of its own (no interface up), so
// the lookup of a name in .invalid sends no query anywhere.
TEST(ClientErrors, UnresolvableHostIsNoHost)
{
    const auto isolate = [] {
        if (::unshare(CLONE_NEWNET) != 0)
            ::_exit(125);
    };
    const auto r = itest::run_client({"nonexistent.invalid", "7"}, isolate);
    if (r.status == 125)
        GTEST_SKIP() << "cannot create a network namespace (needs CAP_SYS_ADMIN)";
    expect_failure(r, 68, {"nonexistent.invalid"});
}

TEST(ClientErrors, RefusedIsUnavailable)
{
    const auto closed = itest::reserve_port(); // bound, not listening: connect is refused
    expect_failure(itest::run_client({"127.0.0.1", std::to_string(closed.port)}), 69,
                   {"127.0.0.1:" + std::to_string(closed.port), "refused"});
}

TEST(ClientErrors, HelpAndVersionGoToStdout)
{
    auto r = itest::run_client({"--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("HOST PORT"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
    r = itest::run_client({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, std::string("echo-client ") + echo::version + "\n");
    EXPECT_EQ(r.err, "");
}

} // namespace
