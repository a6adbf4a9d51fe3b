// signal_events: signals are blocked and read as events from a signalfd; a
// forked child gets the signal mask it had before, so it can be interrupted
// and killed as usual.
#include "echo/signals.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>

namespace {

bool blocked(int signo)
{
    sigset_t current;
    ::sigprocmask(SIG_SETMASK, nullptr, &current);
    return sigismember(&current, signo) == 1;
}

TEST(SignalEvents, BlocksAndReadsARaisedSignal)
{
    ASSERT_FALSE(blocked(SIGUSR2));
    {
        echo::signal_events events({SIGUSR2});
        EXPECT_TRUE(blocked(SIGUSR2));
        EXPECT_FALSE(events.next().has_value()) << "nothing raised yet: next() must not block";

        ASSERT_EQ(::raise(SIGUSR2), 0); // blocked, so it stays pending for the signalfd
        const auto info = events.next();
        ASSERT_TRUE(info.has_value());
        EXPECT_EQ(info->ssi_signo, static_cast<unsigned>(SIGUSR2));
        EXPECT_EQ(info->ssi_pid, static_cast<unsigned>(::getpid()));
        EXPECT_FALSE(events.next().has_value()) << "one raise, one event";
    }
    EXPECT_FALSE(blocked(SIGUSR2)) << "the destructor restores the mask";
}

// Exec'd programs must not inherit the signalfd, and the main loop polls it.
TEST(SignalEvents, DescriptorIsNonBlockingAndCloseOnExec)
{
    echo::signal_events events({SIGUSR2});
    EXPECT_NE(::fcntl(events.fd(), F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_NE(::fcntl(events.fd(), F_GETFL) & O_NONBLOCK, 0);
}

// A forked child (an echod session, the client's reader) must get back the
// mask from before signal_events, not an empty one and not the blocked set:
// SIGUSR1 was blocked before and stays so, SIGUSR2 is deliverable again, and
// the signalfd is closed.
TEST(SignalEvents, ReleaseInChildRestoresTheMask)
{
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigset_t before;
    ASSERT_EQ(::sigprocmask(SIG_BLOCK, &usr1, &before), 0);
    {
        echo::signal_events events({SIGUSR2, SIGCHLD});
        const int fd = events.fd();
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            events.release_in_child();
            int problems = 0;
            if (blocked(SIGUSR2))
                problems |= 1;
            if (blocked(SIGCHLD))
                problems |= 2;
            if (!blocked(SIGUSR1))
                problems |= 4;
            if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF)
                problems |= 8;
            ::_exit(problems);
        }
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        const int problems = WEXITSTATUS(status);
        EXPECT_EQ(problems & 1, 0) << "SIGUSR2 still blocked in the child";
        EXPECT_EQ(problems & 2, 0) << "SIGCHLD still blocked in the child";
        EXPECT_EQ(problems & 4, 0) << "SIGUSR1 (blocked before) was unblocked";
        EXPECT_EQ(problems & 8, 0) << "signalfd still open in the child";
        EXPECT_TRUE(blocked(SIGUSR2)) << "the parent keeps its signal_events";
        // The SIGCHLD of our child is an event too: the parent learns of its
        // children through the signalfd.
        const auto info = events.next();
        ASSERT_TRUE(info.has_value());
        EXPECT_EQ(info->ssi_signo, static_cast<unsigned>(SIGCHLD));
    }
    ASSERT_EQ(::sigprocmask(SIG_SETMASK, &before, nullptr), 0);
}

} // namespace
