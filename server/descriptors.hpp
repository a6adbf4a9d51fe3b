// What a forked child keeps of its parent's descriptors.
#pragma once

#include <vector>

namespace echod {

// Closes every descriptor above stderr except those in `keep`: listening
// sockets, the epoll and signal descriptors, anything a library opened. A
// socket dies only when every descriptor on it is closed, so a child must not
// hold what it does not use.
void close_all_except(std::vector<int> keep) noexcept;

} // namespace echod
