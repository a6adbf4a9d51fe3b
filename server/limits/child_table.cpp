#include "limits/child_table.hpp"

namespace echod {

void child_table::add(pid_t pid, const child_info& info)
{
    ++per_source_[info.source];
    children_[pid] = info;
}

bool child_table::remove(pid_t pid, child_info& out)
{
    const child_info* found = children_.find(pid);
    if (!found)
        return false;
    out = *found;
    children_.erase(pid);
    if (unsigned* count = per_source_.find(out.source); count && --*count == 0)
        per_source_.erase(out.source);
    return true;
}

unsigned child_table::connections_from(const source_key& source) const
{
    const unsigned* count = per_source_.find(source);
    return count ? *count : 0;
}

} // namespace echod
