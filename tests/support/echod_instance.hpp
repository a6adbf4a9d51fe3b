// A real echod for a test: started on a free loopback port with its own
// configuration file, stopped (and checked) when the test ends. The one
// fixture for every test that runs echod (the stress tests' stress::daemon
// is this too).
//
// The binaries can be swapped for others through the environment, so the
// same tests can be run against a build with a protection removed (the check
// that each test fails without what it tests):
//     ECHOD_UNDER_TEST=/tmp/mutant/build/server/echod
//     ECHO_CLIENT_UNDER_TEST=/tmp/mutant/build/client/echo-client
#pragma once

#include "process.hpp"

#include <string>
#include <vector>

namespace test {

// Paths of the programs under test: $ECHOD_UNDER_TEST / $ECHO_CLIENT_UNDER_TEST,
// else the ones CMake built (never from PATH).
[[nodiscard]] std::string echod_binary();
[[nodiscard]] std::string echo_client_binary();

struct echod_setup {
    std::vector<std::string> args;  // extra arguments
    std::vector<std::string> env;   // extra environment ("NAME=VALUE")
    std::string config_text;        // contents of its --config file
    bool listen_on_free_port = true; // add --listen 127.0.0.1:0 unless args name --listen
    std::function<void()> in_child;  // e.g. setrlimit, dropping privileges
    std::string binary;              // instead of echod_binary(), e.g. a copy another user can run
    std::vector<std::string> wrapper; // run echod under it, e.g. {"valgrind", "--tool=memcheck", ...}
    std::chrono::milliseconds startup = 15s; // until it listens
};

class echod_instance {
    static echod_setup with_args(std::vector<std::string> args)
    {
        echod_setup s;
        s.args = std::move(args);
        return s;
    }

public:
    explicit echod_instance(echod_setup setup = {});
    explicit echod_instance(std::vector<std::string> args) : echod_instance(with_args(std::move(args))) {}

    [[nodiscard]] unsigned port() const noexcept { return port_; }
    [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }
    [[nodiscard]] process& proc() noexcept { return process_; }
    [[nodiscard]] std::string log() const { return process_.stderr_text(); }
    [[nodiscard]] bool log_contains(const std::string& text, std::chrono::milliseconds deadline = 5s) const;
    // Lines of the log that contain `text`.
    [[nodiscard]] std::size_t log_lines_with(const std::string& text) const;
    [[nodiscard]] const std::filesystem::path& config_file() const noexcept { return config_; }
    [[nodiscard]] const temp_dir& dir() const noexcept { return dir_; }

    // Sends `signo` and waits for the exit status (nothing at the deadline).
    std::optional<int> stop(int signo = 15, std::chrono::milliseconds deadline = 15s);

private:
    temp_dir dir_;
    std::filesystem::path config_;
    process process_;
    unsigned port_ = 0;
};

// Runs echo-client HOST PORT with `input` on stdin; returns the process after
// it exits (or is killed at the deadline).
struct client_run {
    int status = -1; // shell-style exit status, -1 if it had to be killed
    std::string out;
    std::string err;
};
[[nodiscard]] client_run run_client(const std::vector<std::string>& args, std::string_view input,
                                    std::chrono::milliseconds deadline = 30s);

} // namespace test
