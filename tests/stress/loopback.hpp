// Loopback helpers for tests that open many connections: no name resolution
// per connection, and a choice of source address to spread TIME_WAIT sockets.
#pragma once

#include "echo/unique_fd.hpp"

#include <sys/resource.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace stress {

using namespace std::chrono_literals;

// A blocking connection from SOURCE (an IPv4 loopback address, port chosen
// at connect time) to 127.0.0.1:PORT; throws on failure.
[[nodiscard]] echo::unique_fd connect_from(const std::string& source, unsigned port);

// Sends `payload` and reads the same number of bytes back; true if they match.
[[nodiscard]] bool echoes(int fd, std::string_view payload, std::chrono::milliseconds deadline = 10s);

// Runs `writer(fd)` on a thread while this thread reads `expected` bytes;
// returns what was read (throws at the deadline or if the peer closes).
[[nodiscard]] std::string read_while_writing(int fd, std::size_t expected, const std::function<void(int)>& writer,
                                             std::chrono::milliseconds deadline = 60s);

// Raises this process's soft RLIMIT_NOFILE to at least `wanted` (up to the hard limit).
[[nodiscard]] rlim_t raise_nofile_limit(rlim_t wanted);

// Sets a resource limit of another process with prlimit(2); throws on failure.
void set_limit_of(pid_t pid, int resource, rlim_t soft, rlim_t hard);
[[nodiscard]] rlimit limit_of(pid_t pid, int resource);

} // namespace stress
