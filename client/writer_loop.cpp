#include "writer_loop.hpp"

#include "echo/exit_status.hpp"
#include "echo/log.hpp"

#include <cstring>
#include <string>

namespace echo_client {

int end_reader(pid_t reader) noexcept
{
    ::kill(reader, SIGTERM);
    int wait_status = 0;
    while (::waitpid(reader, &wait_status, 0) < 0 && errno == EINTR) {
    }
    return wait_status;
}

int interrupted(pid_t reader, int signo)
{
    (void)end_reader(reader);
    const char* name = ::sigabbrev_np(signo);
    echo::logging::fatal(std::string("interrupted by SIG") + (name ? name : "?"));
    return echo::exit_status::signal_base + signo;
}

bool reader_was_killed(int wait_status)
{
    if (!WIFSIGNALED(wait_status))
        return false;
    echo::logging::fatal("the reading process was killed by signal " + std::to_string(WTERMSIG(wait_status)));
    return true;
}

} // namespace echo_client
