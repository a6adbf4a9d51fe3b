#include "children/descriptors.hpp"

#include "echo/child_path.hpp"

#include <unistd.h>

#include <climits>

namespace echod {

ECHO_CHILD_PATH void close_all_except(std::span<const int> keep) noexcept
{
    unsigned next = STDERR_FILENO + 1;
    for (int fd : keep) {
        if (fd < static_cast<int>(next))
            continue;
        if (static_cast<unsigned>(fd) > next)
            ::close_range(next, static_cast<unsigned>(fd) - 1, 0);
        next = static_cast<unsigned>(fd) + 1;
    }
    ::close_range(next, UINT_MAX, 0);
}

} // namespace echod
