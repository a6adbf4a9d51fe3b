// Makes fork() fail in one process tree for a moment, the way a full pids
// cgroup (systemd's TasksMax=) does: a pids cgroup of the test's own, with
// echod moved into it, whose pids.max is dropped to 1 and raised again.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace chaos {

class fork_blocker {
public:
    // Why no pids cgroup can be made here ("" if one can): no cgroup v1
    // pids hierarchy nor a v2 one with the pids controller delegated to us,
    // or no permission.
    [[nodiscard]] static std::string unavailable();

    fork_blocker(); // a fresh cgroup, named after this process and a counter
    ~fork_blocker(); // moves what is left to the parent cgroup and removes it
    fork_blocker(const fork_blocker&) = delete;
    fork_blocker& operator=(const fork_blocker&) = delete;

    // Moves `pid` in; what it forks afterwards is counted too.
    void adopt(pid_t pid) const;
    void block() const;   // fork() fails with EAGAIN
    void unblock() const;

private:
    std::filesystem::path parent_;
    std::filesystem::path dir_;
};

} // namespace chaos
