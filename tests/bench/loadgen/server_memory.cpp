#include "server_memory.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace bench {
namespace {

void add_children(pid_t pid, std::vector<pid_t>& out)
{
    std::error_code error;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
        std::ifstream children(task.path() / "children");
        long child = 0;
        while (children >> child)
            out.push_back(static_cast<pid_t>(child));
    }
}

} // namespace

std::uint64_t pss_kib_of(pid_t pid)
{
    std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string line;
    while (std::getline(rollup, line))
        if (line.rfind("Pss:", 0) == 0)
            return std::strtoull(line.c_str() + 4, nullptr, 10);
    return 0;
}

std::vector<pid_t> children_of(pid_t pid)
{
    std::vector<pid_t> children;
    add_children(pid, children);
    return children;
}

std::vector<pid_t> process_tree(pid_t root)
{
    std::vector<pid_t> tree{root};
    for (std::size_t i = 0; i < tree.size(); ++i)
        add_children(tree[i], tree);
    return tree;
}

tree_memory measure_tree(pid_t root)
{
    tree_memory m;
    for (const pid_t pid : process_tree(root)) {
        const std::uint64_t pss = pss_kib_of(pid);
        if (pss > 0) {
            m.pss_kib += pss;
            ++m.processes;
        }
    }
    return m;
}

} // namespace bench
