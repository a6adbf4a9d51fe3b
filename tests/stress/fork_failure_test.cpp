// fork() failing (RLIMIT_NPROC reached): echod closes the connection it
// cannot serve, says so in its log at most once a second, stays up and
// serves again once forks succeed.
#include "daemon.hpp"
#include "loopback.hpp"
#include "net.hpp"
#include "proc.hpp"
#include "staged_binary.hpp"

#include <grp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

namespace {

// prlimit(2) on a process of another user needs CAP_SYS_RESOURCE, which
// containers often drop; a helper running as that user needs nothing.
// Returns 0 or the errno.
int set_limit_as(uid_t uid, pid_t pid, int resource, rlimit limit)
{
    const pid_t helper = ::fork();
    if (helper == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(uid) != 0 || ::setuid(uid) != 0)
            ::_exit(errno);
        ::_exit(::prlimit(pid, static_cast<__rlimit_resource>(resource), &limit, nullptr) == 0 ? 0 : errno);
    }
    int status = 0;
    ::waitpid(helper, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

using namespace std::chrono_literals;

TEST(ForkFailure, ConnectionsBeyondTheProcessLimitAreClosedAndServiceRecovers)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root: RLIMIT_NPROC does not bind root, so echod must run as another user";
    // A user id of our own, in no passwd file: processes of a shared user
    // such as nobody would count against the limit too.
    const uid_t uid = 2'000'000'000u + static_cast<uid_t>(::getpid());
    // echod itself plus two children.
    constexpr rlim_t nproc = 3;
    // That user must reach the program: the build tree may be under /root (0700).
    std::string why;
    const auto staged = test::staged_binary::make(stress::echod_path(), why);
    if (!staged)
        GTEST_SKIP() << "cannot stage echod where another user can run it: " << why;
    stress::daemon_setup setup;
    setup.binary = staged->path().string();
    setup.args = {"--log-level", "info", "--max-per-source", "0"};
    // The hard limit stays: raising it needs CAP_SYS_RESOURCE, which containers often lack.
    rlimit limit{};
    ::getrlimit(RLIMIT_NPROC, &limit);
    ASSERT_GT(limit.rlim_max, 100u);
    limit.rlim_cur = nproc;
    setup.in_child = [uid, limit] {
        const char* failed = ::setrlimit(RLIMIT_NPROC, &limit) != 0 ? "setrlimit"
                             : ::setgroups(0, nullptr) != 0        ? "setgroups"
                             : ::setgid(uid) != 0                  ? "setgid"
                             : ::setuid(uid) != 0                  ? "setuid"
                                                                   : nullptr;
        if (failed) {
            ::perror(failed);
            ::_exit(126);
        }
    };
    stress::daemon echod(std::move(setup));

    std::vector<echo::unique_fd> held;
    for (int i = 0; i < 2; ++i) {
        held.push_back(stress::connect_from("127.0.0.1", echod.port()));
        ASSERT_TRUE(stress::echoes(held.back().get(), "within the limit\n"));
    }

    // Beyond the limit: each is accepted, cannot be forked for, and closed.
    const auto started = std::chrono::steady_clock::now();
    constexpr int beyond = 25;
    int closed = 0;
    for (int i = 0; i < beyond; ++i) {
        const auto fd = stress::connect_from("127.0.0.1", echod.port());
        test::send_all(fd.get(), "no process for me\n");
        ASSERT_TRUE(test::peer_closes(fd.get(), 10s)) << "connection " << i << " beyond the limit stays open";
        ++closed;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(closed, beyond);
    ASSERT_TRUE(test::alive(echod.pid())) << echod.log();
    EXPECT_TRUE(echod.log_contains("cannot fork"));
    const auto fork_lines = echod.log_lines_with("cannot fork");
    std::printf("%d connections beyond RLIMIT_NPROC closed in %.1f s; %zu log lines about it\n", beyond, seconds,
                fork_lines);
    EXPECT_LE(fork_lines, static_cast<std::size_t>(seconds) + 2) << "fork failures are not rate-limited:\n"
                                                                  << echod.log();
    // The connections that have a process still work.
    for (const auto& fd : held)
        EXPECT_TRUE(stress::echoes(fd.get(), "still served\n"));

    ASSERT_EQ(set_limit_as(uid, echod.pid(), RLIMIT_NPROC, rlimit{100, limit.rlim_max}), 0);
    for (int i = 0; i < 10; ++i) {
        const auto fd = stress::connect_from("127.0.0.1", echod.port());
        EXPECT_TRUE(stress::echoes(fd.get(), "served again\n"));
    }
    held.clear();
    EXPECT_TRUE(stress::all_children_reaped(echod.pid()));
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
