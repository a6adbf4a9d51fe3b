// A server's memory as the kernel accounts it to user space: the PSS
// (proportional set size: private pages plus a fair share of shared ones)
// summed over the main process and all its descendants. Socket buffers live
// in the kernel and are not part of it, for any server alike.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace bench {

// The main process and its descendants, found through
// /proc/PID/task/*/children (needs CONFIG_PROC_CHILDREN).
[[nodiscard]] std::vector<pid_t> process_tree(pid_t root);

// The direct children of `pid`, zombies included (they stay listed until
// reaped): what hold polls to know the server has reaped every child it had.
[[nodiscard]] std::vector<pid_t> children_of(pid_t pid);

// Pss of one process from /proc/PID/smaps_rollup, 0 if it is gone.
[[nodiscard]] std::uint64_t pss_kib_of(pid_t pid);

struct tree_memory {
    std::uint64_t pss_kib = 0;
    std::uint64_t processes = 0;
};

// Sums Pss from /proc/PID/smaps_rollup; processes that exit meanwhile are skipped.
[[nodiscard]] tree_memory measure_tree(pid_t root);

} // namespace bench
