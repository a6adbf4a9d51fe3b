// How the parent tells of a child that ended badly.
#pragma once

#include <sys/wait.h>

#include <csignal>
#include <string>

namespace echod {

void log_child_killed(const std::string& who, int signo);
void log_child_failed(const std::string& who, int exit_status);

// Logs a child killed by a signal or exited with a non-zero status, as
// "WHO was killed by signal N (NAME)" or "WHO exited with status N". A
// child ended by SIGTERM or SIGKILL once the parent stopped `serving` was
// ended by the shutdown and is not told of. `who()` is called only for a
// line, so the common case builds no string.
template <typename Who>
void report_child_end(int status, bool serving, Who who)
{
    if (WIFSIGNALED(status)) {
        const int signo = WTERMSIG(status);
        if (serving || (signo != SIGTERM && signo != SIGKILL))
            log_child_killed(who(), signo);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        log_child_failed(who(), WEXITSTATUS(status));
    }
}

} // namespace echod
