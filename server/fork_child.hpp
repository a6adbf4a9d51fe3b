// How the parent forks its children.
#pragma once

#include <sys/types.h>
#include <unistd.h>

namespace echod {

// glibc's _Fork(): fork() without the atfork handlers that glibc and the
// libraries registered (libsystemd's pid cache, malloc's and stdio's locks).
// echod is single-threaded, so no lock can be held at fork time, and its
// children never call into those libraries. Skipping the handlers spares
// every child, and the parent, several page faults per connection: each
// handler writes to data pages that fork() has just made copy-on-write.
[[nodiscard]] inline pid_t fork_child() noexcept
{
    return ::_Fork();
}

} // namespace echod
