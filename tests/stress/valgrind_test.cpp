// echod's parent and one echo-client under valgrind memcheck: no memory
// errors, nothing definitely lost. Children of echod are not checked
// (--child-silent-after-fork): they _exit() without freeing, by design.
#include "daemon.hpp"
#include "loopback.hpp"
#include "proc.hpp"

#include <signal.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

namespace {

using namespace std::chrono_literals;

std::vector<std::string> memcheck(const test::temp_dir& dir, const std::string& name)
{
    return {VALGRIND,
            "--tool=memcheck",
            "--leak-check=full",
            "--error-exitcode=99",
            "--child-silent-after-fork=yes",
            "--log-file=" + (dir / (name + ".valgrind")).string()};
}

// The lines of memcheck's report that say what it found, for the test log.
void print_summary(const std::string& who, const std::string& report)
{
    std::istringstream lines(report);
    for (std::string line; std::getline(lines, line);)
        if (line.find("ERROR SUMMARY") != std::string::npos || line.find("lost:") != std::string::npos ||
            line.find("in use at exit") != std::string::npos || line.find("heap blocks were freed") != std::string::npos)
            std::printf("%s: %s\n", who.c_str(), line.c_str());
}

TEST(Valgrind, EchodParentHasNoErrorsAndNoLeaks)
{
    test::temp_dir dir;
    stress::daemon_setup setup;
    setup.args = {"--log-level", "notice"};
    setup.wrapper = memcheck(dir, "echod");
    setup.startup = 60s;
    stress::daemon echod(std::move(setup));
    for (int i = 0; i < 300; ++i) {
        const auto fd = stress::connect_from("127.0.0." + std::to_string(2 + i % 8), echod.port());
        ASSERT_TRUE(stress::echoes(fd.get(), "under memcheck " + std::to_string(i) + "\n", 30s));
    }
    EXPECT_EQ(echod.stop(SIGTERM, 60s), 0) << echod.log() << test::read_file(dir / "echod.valgrind");
    const auto report = test::read_file(dir / "echod.valgrind");
    print_summary("echod", report);
    EXPECT_NE(report.find("ERROR SUMMARY: 0 errors"), std::string::npos) << report;
    EXPECT_EQ(report.find("definitely lost: "), report.find("definitely lost: 0 bytes")) << report;
}

TEST(Valgrind, EchoClientHasNoErrorsAndNoLeaks)
{
    stress::daemon echod({"--log-level", "warning"});
    test::temp_dir dir;
    std::string input;
    for (int i = 0; i < 1000; ++i)
        input += "line " + std::to_string(i) + " of what the client sends\n";
    test::write_file(dir / "in", input);
    test::spawn_options o;
    o.argv = memcheck(dir, "client");
    o.argv.insert(o.argv.end(), {stress::echo_client_path(), "127.0.0.1", std::to_string(echod.port())});
    o.stdin_mode = test::spawn_options::input::file;
    o.stdin_file = dir / "in";
    o.stdout_file = dir / "out";
    o.stderr_file = dir / "err";
    auto client = test::process::spawn(std::move(o));
    EXPECT_EQ(client.wait_for(120s), 0) << client.stderr_text() << test::read_file(dir / "client.valgrind");
    EXPECT_EQ(client.stdout_text(), input);
    const auto report = test::read_file(dir / "client.valgrind");
    print_summary("echo-client", report);
    EXPECT_NE(report.find("ERROR SUMMARY: 0 errors"), std::string::npos) << report;
    EXPECT_EQ(report.find("definitely lost: "), report.find("definitely lost: 0 bytes")) << report;
}

} // namespace
