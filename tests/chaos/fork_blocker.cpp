#include "fork_blocker.hpp"

#include "process.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace chaos {
namespace fs = std::filesystem;

namespace {

// The pids hierarchy this process sits in: cgroup v1's own pids mount, or
// the v2 cgroup of this process if the pids controller is enabled below it.
fs::path pids_root()
{
    std::ifstream in("/proc/self/cgroup");
    std::string v1_path, v2_path;
    for (std::string line; std::getline(in, line);) {
        // "ID:CONTROLLERS:PATH"
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos)
            continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        std::istringstream list(controllers);
        for (std::string c; std::getline(list, c, ',');)
            if (c == "pids")
                v1_path = path;
        if (line.rfind("0::", 0) == 0)
            v2_path = path;
    }
    if (!v1_path.empty() && fs::exists("/sys/fs/cgroup/pids" + v1_path + "/pids.max"))
        return "/sys/fs/cgroup/pids" + v1_path;
    if (!v1_path.empty() && fs::exists("/sys/fs/cgroup/pids" + v1_path + "/cgroup.procs"))
        return "/sys/fs/cgroup/pids" + v1_path; // the root of a v1 hierarchy has no pids.max
    const fs::path v2 = "/sys/fs/cgroup" + v2_path;
    std::ifstream subtree(v2 / "cgroup.subtree_control");
    std::string enabled;
    std::getline(subtree, enabled);
    if (!v2_path.empty() && (" " + enabled + " ").find(" pids ") != std::string::npos)
        return v2;
    return {};
}

void write_to(const fs::path& file, const std::string& text)
{
    std::ofstream out(file);
    out << text << std::flush;
    if (!out)
        throw std::system_error(errno, std::generic_category(), "write " + text + " to " + file.string());
}

} // namespace

std::string fork_blocker::unavailable()
{
    if (::geteuid() != 0)
        return "needs root to make a pids cgroup";
    if (pids_root().empty())
        return "no pids cgroup to make a child of (no cgroup v1 pids hierarchy, pids not delegated in v2)";
    try {
        fork_blocker probe;
    } catch (const std::exception& e) {
        return std::string("cannot make a pids cgroup: ") + e.what();
    }
    return {};
}

fork_blocker::fork_blocker() : parent_(pids_root())
{
    static std::atomic<unsigned> counter{0};
    if (parent_.empty())
        throw std::runtime_error("no pids cgroup hierarchy");
    dir_ = parent_ / ("echod-chaos-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directory(dir_);
    if (!fs::exists(dir_ / "pids.max")) {
        std::error_code ignored;
        fs::remove(dir_, ignored);
        throw std::runtime_error(dir_.string() + " has no pids.max");
    }
}

fork_blocker::~fork_blocker()
{
    try {
        unblock();
        // Whatever is left (echod's children finishing) goes back up, then the directory goes.
        (void)test::eventually([&] {
            std::ifstream procs(dir_ / "cgroup.procs");
            for (std::string pid; procs >> pid;) {
                std::ofstream up(parent_ / "cgroup.procs");
                up << pid << std::flush;
            }
            std::error_code ec;
            fs::remove(dir_, ec);
            return !fs::exists(dir_);
        }, std::chrono::seconds(10));
    } catch (...) {
        // A destructor must not throw; a leftover empty cgroup is harmless and uniquely named.
    }
}

void fork_blocker::adopt(pid_t pid) const { write_to(dir_ / "cgroup.procs", std::to_string(pid)); }
void fork_blocker::block() const { write_to(dir_ / "pids.max", "1"); }
void fork_blocker::unblock() const { write_to(dir_ / "pids.max", "max"); }

} // namespace chaos
