#include "children/fork_child.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace echod {

unsigned threads_in_this_process() noexcept
{
    const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char text[1024];
    ssize_t n;
    while ((n = ::read(fd, text, sizeof text - 1)) < 0 && errno == EINTR) {
    }
    ::close(fd);
    if (n <= 0)
        return 0;
    text[n] = '\0';
    // "PID (COMM) STATE PPID ...": the name may hold anything, so fields are
    // counted from its closing parenthesis; num_threads is field 20.
    const char* p = std::strrchr(text, ')');
    if (!p)
        return 0;
    for (int field = 2; field < 20 && p; ++field)
        p = std::strchr(p + 1, ' ');
    return p ? static_cast<unsigned>(std::strtoul(p + 1, nullptr, 10)) : 0;
}

void require_single_threaded()
{
    if (const unsigned threads = threads_in_this_process(); threads > 1)
        throw echo::fatal_error(echo::exit_status::software,
                               "echod runs " + std::to_string(threads) +
                               " threads, but it forks with _Fork(), which is safe only in a single-threaded "
                               "process (did a preloaded or newly linked library start a thread?)");
}

} // namespace echod
