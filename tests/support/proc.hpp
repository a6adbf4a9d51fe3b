// What /proc says about a process: its descriptors, children, zombies, memory.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace test {

[[nodiscard]] int open_fd_count(pid_t pid);
// Targets of the open descriptors ("socket:[123]", "/dev/null", ...).
[[nodiscard]] std::vector<std::string> open_fds(pid_t pid);
// Direct children, whatever their state.
[[nodiscard]] std::vector<pid_t> children_of(pid_t pid);
// Direct children that have exited and are not yet reaped.
[[nodiscard]] int zombie_children(pid_t pid);
// The one-letter state from /proc/PID/stat ('R', 'S', 'Z', ...), '?' if gone.
[[nodiscard]] char state_of(pid_t pid);
[[nodiscard]] long rss_kib(pid_t pid);
// One entry per line of /proc/PID/maps: the mapped file's path, or "" for
// anonymous memory and "[heap]", "[stack]" etc. as the kernel names them.
[[nodiscard]] std::vector<std::string> mappings(pid_t pid);
// user + system CPU time in clock ticks.
[[nodiscard]] long cpu_ticks(pid_t pid);
[[nodiscard]] bool alive(pid_t pid); // exists and is not a zombie
// The port of a TCP socket listening on 127.0.0.1 that `pid` holds, 0 if none.
[[nodiscard]] unsigned listening_port_of(pid_t pid);

} // namespace test
