// What echod checks about its own environment at start, so that a premise of
// its design cannot break silently (issue 16): it forks with _Fork(), sound
// only while it is single-threaded, and its idle timeout is a socket option
// whose failure would otherwise go unnoticed.
#include "helpers.hpp"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>

namespace {

TEST(Invariants, AnIdleTimeoutThatCannotBeSetStopsTheStart)
{
    test::temp_dir dir;
    test::write_file(dir / "echod.conf", "");
    const auto r = itest::run_echod(
        {"--config", (dir / "echod.conf").string(), "--listen", "127.0.0.1:0", "--idle-timeout", "5"},
        [] { itest::fail_syscall_in_child(SYS_setsockopt, ENOPROTOOPT, SO_RCVTIMEO); });
    if (r.status == itest::seccomp_unavailable)
        GTEST_SKIP() << "cannot install a seccomp filter here";
    EXPECT_EQ(r.status, 71) << r.err;
    EXPECT_NE(r.err.find("SO_RCVTIMEO"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("127.0.0.1:"), std::string::npos) << r.err;
}

TEST(Invariants, EchodRefusesToForkWhenItIsNotSingleThreaded)
{
    test::temp_dir dir;
    test::write_file(dir / "echod.conf", "");
    test::spawn_options o;
    o.argv = {test::echod_binary(), "--config", (dir / "echod.conf").string(), "--listen", "127.0.0.1:0"};
    // A sanitizer runtime wants to come first in the list of libraries; the
    // preloaded one is built without it and must come first here.
    o.env = {"LD_PRELOAD=" START_A_THREAD_LIBRARY, "ASAN_OPTIONS=verify_asan_link_order=0"};
    const auto r = itest::run_to_end(std::move(o));
    EXPECT_EQ(r.status, 70) << r.err;
    EXPECT_NE(r.err.find("threads"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("listening on"), std::string::npos) << "it served first: " << r.err;
}

} // namespace
