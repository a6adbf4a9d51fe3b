// A copy of a program that a less privileged user can execute.
//
// Tests that drop to another user (nobody, a spare uid) must exec the program
// as that user, but the build tree may sit where only root can enter: a clone
// in /root (mode 0700) is the README's own case. The copy lives in a fresh
// directory under the system's temporary directory, mode 0755, and is removed
// with it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace test {

class staged_binary {
public:
    // Copies `program`; nullopt with `why` filled in when no copy another user
    // can run could be made (then the caller skips and says why).
    [[nodiscard]] static std::optional<staged_binary> make(const std::filesystem::path& program, std::string& why);

    staged_binary(staged_binary&& other) noexcept;
    staged_binary& operator=(staged_binary&&) = delete;
    staged_binary(const staged_binary&) = delete;
    staged_binary& operator=(const staged_binary&) = delete;
    ~staged_binary();

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

private:
    staged_binary(std::filesystem::path dir, std::filesystem::path path);
    std::filesystem::path dir_;
    std::filesystem::path path_;
};

} // namespace test
