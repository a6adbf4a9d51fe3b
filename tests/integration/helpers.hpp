// Small helpers the integration tests share: one echo exchange, /proc views
// of echod's children, a spawned echod or echo-client whose exit we inspect.
#pragma once

#include "echod_instance.hpp"
#include "net.hpp"
#include "proc.hpp"
#include "process.hpp"

#include <sys/types.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace itest {

using namespace std::chrono_literals;

// Connects, sends `message`, reads it back, closes; returns what came back.
[[nodiscard]] std::string echo_once(unsigned port, const std::string& message, const std::string& host = "127.0.0.1");

// errno of a connect() to HOST:PORT (0 when it connected).
[[nodiscard]] int connect_errno(const std::string& host, unsigned port);

// Direct children of `pid` that are alive (not zombies).
[[nodiscard]] std::vector<pid_t> live_children(pid_t pid);

// "socket:[INODE]" targets among the descriptors of `pid`.
[[nodiscard]] std::set<std::string> sockets_of(pid_t pid);

// A port on 127.0.0.1 that nothing listens on: the socket stays bound (not
// listening) as long as the object lives, so no one else takes the port.
struct reserved_port {
    echo::unique_fd fd;
    unsigned port = 0;
};
[[nodiscard]] reserved_port reserve_port(const std::string& host = "127.0.0.1");

// A program run to completion with stdout/stderr captured.
struct finished {
    int status = -1; // -1: had to be killed at the deadline
    std::string out;
    std::string err;
};
[[nodiscard]] finished run_to_end(test::spawn_options options, std::chrono::milliseconds deadline = 20s);

// Exit status of a child whose seccomp filter could not be installed.
inline constexpr int seccomp_unavailable = 99;
// In a child after fork, before exec: from now on system call `nr` fails with
// `error` in this process and the program it becomes (a seccomp filter
// survives exec); with `option` >= 0 only when its third argument (a socket
// option's name) is `option`. Exits seccomp_unavailable when the kernel or
// container refuses.
void fail_syscall_in_child(int nr, int error, int option = -1);

// echod with exactly these arguments (no --listen added); `in_child` runs before exec.
[[nodiscard]] finished run_echod(const std::vector<std::string>& args, std::function<void()> in_child = {});
// echo-client with these arguments and empty stdin.
[[nodiscard]] finished run_client(const std::vector<std::string>& args, std::function<void()> in_child = {});

// Descriptor number -> target ("socket:[123]", "/dev/null") from /proc/PID/fd.
[[nodiscard]] std::map<int, std::string> descriptors_of(pid_t pid);

// True when the text is exactly one line ending in '\n'.
[[nodiscard]] bool one_line(const std::string& text);

using test::ipv6_loopback_available; // tests/support/net.hpp

// echo-client HOST PORT with its stdin a pipe we keep open.
[[nodiscard]] test::process spawn_client(const test::temp_dir& dir, const std::string& host, unsigned port);

} // namespace itest
