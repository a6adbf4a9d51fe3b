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
// require_single_threaded() checks that premise at start.
[[nodiscard]] inline pid_t fork_child() noexcept
{
    return ::_Fork();
}

// Threads of this process, from /proc/self/stat; 0 if it cannot be read.
[[nodiscard]] unsigned threads_in_this_process() noexcept;

// Throws echo::fatal_error (exit status 70, EX_SOFTWARE) when this process runs more than one thread (a
// library that started one, a change that added one): fork_child() would
// then copy another thread's locks held, and children could deadlock in
// malloc. Without /proc it cannot look, and says nothing.
void require_single_threaded();

} // namespace echod
