// The programs under attack. Like test::echod_instance, but:
//  - the binaries can be swapped for others through the environment, so the
//    same tests can be run against a build with a protection removed (the
//    check that each test fails without what it tests):
//        ECHOD_UNDER_TEST=/tmp/mutant/build/server/echod
//        ECHO_CLIENT_UNDER_TEST=/tmp/mutant/build/client/echo-client
//  - echod can run under a wrapper (valgrind) and as another user (its
//    directory is world-readable so a non-root echod can read its config).
#pragma once

#include "process.hpp"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace stress {

using namespace std::chrono_literals;

// $ECHOD_UNDER_TEST, else the echod CMake built.
[[nodiscard]] std::string echod_path();
// $ECHO_CLIENT_UNDER_TEST, else the echo-client CMake built.
[[nodiscard]] std::string echo_client_path();

struct daemon_setup {
    std::vector<std::string> args;          // after --config FILE --listen 127.0.0.1:0
    std::vector<std::string> wrapper;       // e.g. {"valgrind", "--tool=memcheck", ...}
    std::string binary;                     // echod to run; empty: echod_path()
    std::function<void()> in_child;         // after fork, before exec (setrlimit, setuid)
    std::chrono::milliseconds startup = 15s; // until the "listening on" line
};

class daemon {
public:
    explicit daemon(daemon_setup setup);
    explicit daemon(std::vector<std::string> args);

    [[nodiscard]] unsigned port() const noexcept { return port_; }
    [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }
    [[nodiscard]] test::process& proc() noexcept { return process_; }
    [[nodiscard]] const test::temp_dir& dir() const noexcept { return dir_; }
    [[nodiscard]] std::string log() const { return process_.stderr_text(); }
    [[nodiscard]] bool log_contains(const std::string& text, std::chrono::milliseconds deadline = 5s) const;
    // Lines of the log that contain `text`.
    [[nodiscard]] std::size_t log_lines_with(const std::string& text) const;
    // Sends `signo`, then waits for the exit status (nothing at the deadline).
    std::optional<int> stop(int signo = 15, std::chrono::milliseconds deadline = 15s);

private:
    test::temp_dir dir_;
    test::process process_;
    unsigned port_ = 0;
};

// Waits until the daemon has reaped every child (a zombie still counts as a
// child); true if it did within the deadline.
[[nodiscard]] bool all_children_reaped(pid_t daemon, std::chrono::milliseconds deadline = 15s);

} // namespace stress
