#include "chaos_steps.hpp"

#include "loopback.hpp"
#include "proc.hpp"
#include "process.hpp"

#include "echo/unique_fd.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace chaos {
namespace {

using namespace std::chrono_literals;

pid_t parent_of(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(in, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = -1;
    rest >> state >> ppid;
    return ppid;
}

std::size_t lines_with(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

rlim_t lowest_free_descriptor(pid_t pid)
{
    std::set<rlim_t> used;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
        used.insert(std::stoul(entry.path().filename().string()));
    rlim_t n = 0;
    while (used.count(n))
        ++n;
    return n;
}

// Through syscall(2): glibc 2.36's <sys/pidfd.h> lacks the C linkage C++ needs.
int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_signal(int pidfd, int signo)
{
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signo, nullptr, 0));
}

} // namespace

pid_t kill_a_child(pid_t echod, unsigned choice)
{
    auto children = test::children_of(echod);
    for (std::size_t tried = 0; tried < children.size(); ++tried) {
        const pid_t pid = children[(choice + tried) % children.size()];
        // The pidfd pins this process: if it is gone, signals fail instead of
        // reaching a process that reused the number.
        echo::unique_fd pidfd(open_pidfd(pid));
        if (!pidfd || parent_of(pid) != echod)
            continue;
        if (pidfd_signal(pidfd.get(), SIGSTOP) != 0)
            continue;
        char state = '?';
        if (!test::eventually([&] { return (state = test::state_of(pid)) != 'R' && state != 'S' && state != 'D'; },
                              2s) ||
            state != 'T')
            continue; // it exited (a zombie now) before the stop landed
        if (pidfd_signal(pidfd.get(), SIGKILL) == 0)
            return pid;
    }
    return 0;
}

void reload(pid_t echod, const std::string& log_file, const std::filesystem::path& config, const std::string& text)
{
    // One of the two lines is always there: "reloading" is logged at the old
    // level, "reloaded" at the new one, and notice is below warning.
    const auto done = [&] {
        const auto log = test::read_file(log_file);
        return lines_with(log, "reloading configuration from") + lines_with(log, "configuration reloaded");
    };
    const auto before = done();
    test::write_file(config, text);
    if (::kill(echod, SIGHUP) != 0)
        throw std::runtime_error("cannot send SIGHUP to echod");
    if (!test::eventually([&] { return done() > before; }, 10s))
        throw std::runtime_error("echod did not log the reload within 10 s");
}

void stop_and_continue(pid_t echod)
{
    ::kill(echod, SIGSTOP);
    std::this_thread::sleep_for(2s);
    ::kill(echod, SIGCONT);
}

void exhaust_descriptors(pid_t echod)
{
    const rlimit original = stress::limit_of(echod, RLIMIT_NOFILE);
    stress::set_limit_of(echod, RLIMIT_NOFILE, lowest_free_descriptor(echod), original.rlim_max);
    std::this_thread::sleep_for(1s);
    stress::set_limit_of(echod, RLIMIT_NOFILE, original.rlim_cur, original.rlim_max);
}

void fail_forks(const fork_blocker& blocker)
{
    blocker.block();
    std::this_thread::sleep_for(1s);
    blocker.unblock();
}

std::set<pid_t> zombies_of(pid_t echod)
{
    std::set<pid_t> out;
    for (pid_t child : test::children_of(echod))
        if (test::state_of(child) == 'Z')
            out.insert(child);
    return out;
}

} // namespace chaos
