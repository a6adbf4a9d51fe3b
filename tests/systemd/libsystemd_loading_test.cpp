// Under systemd echod is two processes (server/monitor.hpp): the monitor,
// the main PID, holds libsystemd; the acceptor, which forks a child per
// connection, must never map it or its six libraries. And when the library
// cannot be loaded, echod says so.
#include "notified_echod.hpp"

#include "echod_instance.hpp"
#include "net.hpp"
#include "proc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

using LibsystemdLoading = test::notified_echod;

std::vector<std::string> mapped_like(pid_t pid, const std::string& name)
{
    std::vector<std::string> out;
    for (const auto& path : test::mappings(pid))
        if (path.find(name) != std::string::npos)
            out.push_back(path);
    return out;
}

std::string listing(pid_t pid)
{
    std::string text;
    for (const auto& path : test::mappings(pid))
        text += (path.empty() ? "(anonymous)" : path) + "\n";
    return text;
}

TEST_F(LibsystemdLoading, NotMappedWhileServing)
{
    ASSERT_TRUE(start());
    // Three connections: READY=1 and several STATUS= updates have gone out
    // through libsystemd by the time the status says so.
    for (int i = 0; i < 3; ++i) {
        auto fd = test::connect_tcp("127.0.0.1", echod->port());
        test::send_all(fd.get(), "x");
        ASSERT_EQ(test::read_exactly(fd.get(), 1), "x");
    }
    ASSERT_TRUE(systemd.wait_for("STATUS=Serving 0 connections, 3 served")) << echod->log();

    // The monitor's only child is the acceptor; the connections' children
    // are the acceptor's.
    const auto children = test::children_of(echod->pid());
    ASSERT_EQ(children.size(), 1u) << "expected the monitor to have one child, the acceptor";
    const pid_t acceptor = children.front();
    for (const char* library : {"libsystemd", "liblzma", "libgcrypt", "libzstd", "liblz4", "libcap"})
        EXPECT_TRUE(mapped_like(acceptor, library).empty())
            << library << " is mapped in the accepting process:\n" << listing(acceptor);
    // Linked in, not shared: see cmake/LinkLikeEchod.cmake. (Not libstdc++: the
    // sanitizer build's runtime maps it whatever echod links.)
    EXPECT_TRUE(mapped_like(acceptor, "libboost").empty()) << "Boost is mapped:\n" << listing(acceptor);
    // The monitor loaded it once, and keeps it.
    EXPECT_FALSE(mapped_like(echod->pid(), "libsystemd").empty()) << listing(echod->pid());
}

// A directory whose libsystemd.so.0 is not a library, put first in the
// loader's search path, stands for a libsystemd that cannot be loaded.
// Returns the environment entry that does it.
std::string broken_libsystemd_in(const test::temp_dir& dir)
{
    test::write_file(dir.path() / "libsystemd.so.0", "not an ELF file\n");
    return "LD_LIBRARY_PATH=" + dir.path().string();
}

TEST(LibsystemdUnavailable, NotifyingIsGivenUpWithAWarning)
{
    test::notify_listener systemd;
    test::temp_dir dir;
    test::echod_setup setup;
    setup.env = {broken_libsystemd_in(dir), systemd.environment()};
    test::echod_instance echod(setup);

    // It serves all the same, and says once why systemd hears nothing.
    auto fd = test::connect_tcp("127.0.0.1", echod.port());
    test::send_all(fd.get(), "ping");
    EXPECT_EQ(test::read_exactly(fd.get(), 4), "ping");
    EXPECT_TRUE(echod.log_contains("cannot notify systemd: cannot load libsystemd.so.0")) << echod.log();
    EXPECT_FALSE(systemd.next(300ms).has_value());
    fd.reset();
    EXPECT_EQ(echod.stop(), 0);
}

TEST(LibsystemdUnavailable, PassedSocketsCannotBeTaken)
{
    test::temp_dir dir;
    test::write_file(dir.path() / "echod.conf", "");
    test::spawn_options o;
    o.argv = {test::echod_binary(), "--config", (dir.path() / "echod.conf").string()};
    o.env = {broken_libsystemd_in(dir), "LISTEN_FDS=1"};
    o.stderr_file = dir.path() / "stderr";
    auto p = test::process::spawn(o);
    EXPECT_EQ(p.wait_for(10s), 78);
    EXPECT_NE(p.stderr_text().find("cannot take sockets from systemd: cannot load libsystemd.so.0"),
              std::string::npos)
        << p.stderr_text();
}

} // namespace
