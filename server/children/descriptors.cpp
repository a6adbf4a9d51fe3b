#include "children/descriptors.hpp"


#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace echod {
namespace {

// Closes [first, last]. close_range() may be missing (ENOSYS: a kernel
// before 5.9, or a seccomp filter that does not know it) or refused
// (EPERM): then one close() per descriptor, up to the descriptor limit, so
// that a child never keeps a listener, the signalfd or the epoll by accident.
void close_between(unsigned first, unsigned last) noexcept
{
    if (::close_range(first, last, 0) == 0)
        return;
    rlimit limit{};
    unsigned end = last;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur - 1 < end)
        end = static_cast<unsigned>(limit.rlim_cur - 1);
    for (unsigned fd = first; fd <= end && fd < static_cast<unsigned>(INT_MAX); ++fd)
        (void)::close(static_cast<int>(fd)); // EBADF for the many that are not open
}

} // namespace

void close_all_except(std::span<const int> keep) noexcept
{
    unsigned next = STDERR_FILENO + 1;
    for (int fd : keep) {
        if (fd < static_cast<int>(next))
            continue;
        if (static_cast<unsigned>(fd) > next)
            close_between(next, static_cast<unsigned>(fd) - 1);
        next = static_cast<unsigned>(fd) + 1;
    }
    close_between(next, UINT_MAX);
}

} // namespace echod
