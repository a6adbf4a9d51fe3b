#include "proc.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace test {
namespace fs = std::filesystem;

namespace {

// Fields of /proc/PID/stat after the command (which may contain spaces).
std::vector<std::string> stat_fields(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line))
        return {};
    const auto close = line.rfind(')');
    if (close == std::string::npos)
        return {};
    std::istringstream rest(line.substr(close + 2));
    std::vector<std::string> fields;
    for (std::string f; rest >> f;)
        fields.push_back(f);
    return fields; // [0] = state, [1] = ppid, ... [11] = utime, [12] = stime
}

} // namespace

int open_fd_count(pid_t pid) { return static_cast<int>(open_fds(pid).size()); }

std::vector<std::string> open_fds(pid_t pid)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        std::error_code link_ec;
        out.push_back(fs::read_symlink(entry.path(), link_ec).string());
    }
    return out;
}

std::vector<pid_t> children_of(pid_t pid)
{
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        std::ifstream in(task.path() / "children");
        for (pid_t child; in >> child;)
            out.push_back(child);
    }
    return out;
}

int zombie_children(pid_t pid)
{
    int zombies = 0;
    for (pid_t child : children_of(pid))
        zombies += state_of(child) == 'Z';
    return zombies;
}

char state_of(pid_t pid)
{
    const auto f = stat_fields(pid);
    return f.empty() ? '?' : f[0][0];
}

long rss_kib(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stol(line.substr(6));
    return -1;
}

std::vector<std::string> mappings(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        // address perms offset dev inode [path]: the path starts after five fields.
        std::istringstream fields(line);
        std::string skip, path;
        for (int i = 0; i < 5; ++i)
            fields >> skip;
        std::getline(fields >> std::ws, path);
        out.push_back(path);
    }
    return out;
}

long cpu_ticks(pid_t pid)
{
    const auto f = stat_fields(pid);
    return f.size() > 12 ? std::stol(f[11]) + std::stol(f[12]) : -1;
}

bool alive(pid_t pid)
{
    const char s = state_of(pid);
    return s != '?' && s != 'Z' && s != 'X';
}

unsigned listening_port_of(pid_t pid)
{
    std::set<std::string> inodes; // "socket:[INODE]" targets of its descriptors
    for (const auto& target : open_fds(pid))
        if (target.rfind("socket:[", 0) == 0)
            inodes.insert(target.substr(8, target.size() - 9));
    // /proc/PID/net/tcp: "sl local rem st ... uid timeout inode", addresses in hex.
    std::ifstream table("/proc/" + std::to_string(pid) + "/net/tcp");
    std::string line;
    std::getline(table, line);
    while (std::getline(table, line)) {
        std::istringstream f(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        f >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
        if (state == "0A" && local.rfind("0100007F:", 0) == 0 && inodes.count(inode))
            return static_cast<unsigned>(std::stoul(local.substr(9), nullptr, 16));
    }
    return 0;
}


} // namespace test
