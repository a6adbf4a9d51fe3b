// The programs under attack: the one echod fixture, test::echod_instance
// (see there: ECHOD_UNDER_TEST / ECHO_CLIENT_UNDER_TEST point the tests at
// other binaries, `wrapper` runs echod under valgrind), under the names the
// stress tests use.
#pragma once

#include "echod_instance.hpp"

#include <sys/types.h>

#include <chrono>
#include <string>

namespace stress {

using namespace std::chrono_literals;

using daemon = test::echod_instance;
using daemon_setup = test::echod_setup;

[[nodiscard]] inline std::string echod_path() { return test::echod_binary(); }
[[nodiscard]] inline std::string echo_client_path() { return test::echo_client_binary(); }

// Waits until the daemon has reaped every child (a zombie still counts as a
// child); true if it did within the deadline.
[[nodiscard]] bool all_children_reaped(pid_t echod, std::chrono::milliseconds deadline = 15s);

} // namespace stress
