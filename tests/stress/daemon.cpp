#include "daemon.hpp"

#include "proc.hpp"

namespace stress {

bool all_children_reaped(pid_t echod, std::chrono::milliseconds deadline)
{
    return test::eventually([&] { return test::children_of(echod).empty(); }, deadline);
}

} // namespace stress
