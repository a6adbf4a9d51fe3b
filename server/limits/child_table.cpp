#include "limits/child_table.hpp"

namespace echod {
namespace {

bool no_connection(unsigned count) noexcept
{
    return count == 0;
}

} // namespace

void child_table::add(pid_t pid, const child_info& info)
{
    auto place = per_source_.find_or_add(info.source, no_connection);
    while (!place.entry) { // every slot of the source holds a live one: bounded by max-connections
        per_source_.grow(no_connection);
        place = per_source_.find_or_add(info.source, no_connection);
    }
    ++*place.entry;
    children_[pid] = info;
}

bool child_table::remove(pid_t pid, child_info& out)
{
    const child_info* found = children_.find(pid);
    if (!found)
        return false;
    out = *found;
    children_.erase(pid);
    if (unsigned* count = per_source_.find(out.source); count && *count > 0)
        --*count;
    return true;
}

unsigned child_table::connections_from(const source_key& source) const
{
    const unsigned* count = per_source_.find(source);
    return count ? *count : 0;
}

} // namespace echod
