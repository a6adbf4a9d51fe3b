// Real child processes for tests: spawn a program with its stdio wired to
// pipes or files, signal it, wait for it with a deadline.
#pragma once

#include "echo/unique_fd.hpp"

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace test {

using namespace std::chrono_literals;

struct spawn_options {
    std::vector<std::string> argv;
    std::vector<std::string> env;    // extra "NAME=VALUE" entries, added to ours
    std::vector<std::string> unset;  // names removed from the environment
    enum class input { null, pipe, file } stdin_mode = input::null;
    std::filesystem::path stdin_file;
    // stdout and stderr go to files (no pipe can fill up and stall the child).
    std::filesystem::path stdout_file;
    std::filesystem::path stderr_file;
    std::function<void()> in_child; // runs after fork, before exec
    // The child leads a process group of its own, and the object's end kills
    // the whole group (SIGKILL), reaps the child and waits until the group is
    // gone: for servers that fork (socat ...,fork), whose children would
    // otherwise outlive a failed test, orphaned to PID 1.
    bool own_process_group = false;
};

class process {
public:
    static process spawn(spawn_options options);

    process() = default;
    process(process&&) noexcept;
    process& operator=(process&&) noexcept;
    ~process(); // kills (SIGKILL) and reaps a child still running (its group: own_process_group)

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] int stdin_fd() const noexcept { return stdin_.get(); }
    void write_stdin(std::string_view data);
    void close_stdin() { stdin_.reset(); }

    void signal(int signo) const;
    // Exit status as a shell reports it: the code, or 128 + signal.
    // Nothing if the deadline passes first.
    [[nodiscard]] std::optional<int> wait_for(std::chrono::milliseconds deadline);
    [[nodiscard]] bool running();

    [[nodiscard]] std::string stdout_text() const;
    [[nodiscard]] std::string stderr_text() const;
    [[nodiscard]] const spawn_options& options() const noexcept { return options_; }

private:
    void kill_and_reap() noexcept;

    pid_t pid_ = -1;
    std::optional<int> status_;
    echo::unique_fd stdin_;
    spawn_options options_;
};

// A fresh directory under $TMPDIR, removed with everything in it.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

[[nodiscard]] std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view data);

// The whole numbers that follow each occurrence of `marker` in `text`
// ("echod[" -> every pid). std::regex is avoided on purpose: g++ 12
// warns falsely inside it under -fsanitize, and warnings are errors here.
[[nodiscard]] std::vector<unsigned long> numbers_after(const std::string& text, const std::string& marker);

// Polls `condition` every few milliseconds until it holds or `deadline` passes.
[[nodiscard]] bool eventually(const std::function<bool()>& condition,
                              std::chrono::milliseconds deadline = 10s);

} // namespace test
