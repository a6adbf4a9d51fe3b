// What a forked child keeps of its parent's descriptors.
#pragma once

#include <span>

namespace echod {

// Closes every descriptor above stderr except those in `keep`: listening
// sockets, the epoll and signal descriptors, anything a library opened. A
// socket dies only when every descriptor on it is closed, so a child must not
// hold what it does not use. `keep` must be sorted ascending; nothing is
// allocated or written but the descriptor table.
void close_all_except(std::span<const int> keep) noexcept;

} // namespace echod
