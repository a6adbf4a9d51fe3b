#include "staged_binary.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace test {
namespace {

namespace fs = std::filesystem;

// True when every directory from / down to `dir` may be searched by others,
// so a process of any uid can reach what is inside.
bool searchable_by_others(const fs::path& dir, std::string& why)
{
    fs::path walked;
    for (const auto& part : fs::absolute(dir)) {
        walked /= part;
        struct stat st{};
        if (::stat(walked.c_str(), &st) != 0) {
            why = walked.string() + ": " + std::strerror(errno);
            return false;
        }
        if ((st.st_mode & S_IXOTH) == 0) {
            char mode[8];
            std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
            why = walked.string() + " (mode " + mode + ") is not searchable by other users";
            return false;
        }
    }
    return true;
}

} // namespace

std::optional<staged_binary> staged_binary::make(const fs::path& program, std::string& why)
{
    std::error_code ec;
    const fs::path base = fs::temp_directory_path(ec);
    if (ec) {
        why = "no temporary directory: " + ec.message();
        return std::nullopt;
    }
    if (!searchable_by_others(base, why))
        return std::nullopt;
    std::string pattern = (base / "echo-staged-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        why = "mkdtemp in " + base.string() + ": " + std::strerror(errno);
        return std::nullopt;
    }
    const fs::path dir = pattern;
    const fs::path copy = dir / program.filename();
    // mkdtemp made the directory 0700; others need to enter it.
    if (::chmod(dir.c_str(), 0755) != 0) {
        why = "chmod " + dir.string() + ": " + std::strerror(errno);
    } else if (fs::copy_file(program, copy, ec); ec) {
        why = "copy " + program.string() + " to " + copy.string() + ": " + ec.message();
    } else if (::chmod(copy.c_str(), 0755) != 0) {
        why = "chmod " + copy.string() + ": " + std::strerror(errno);
    } else {
        return staged_binary(dir, copy);
    }
    fs::remove_all(dir, ec);
    return std::nullopt;
}

staged_binary::staged_binary(fs::path dir, fs::path path) : dir_(std::move(dir)), path_(std::move(path)) {}

staged_binary::staged_binary(staged_binary&& other) noexcept
    : dir_(std::exchange(other.dir_, {})), path_(std::exchange(other.path_, {}))
{
}

staged_binary::~staged_binary()
{
    if (dir_.empty())
        return;
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

} // namespace test
