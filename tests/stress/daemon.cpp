#include "daemon.hpp"

#include "echod_instance.hpp"
#include "proc.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace stress {
namespace {

std::string from_env_or(const char* name, std::string fallback)
{
    const char* value = std::getenv(name);
    return value && *value ? std::string(value) : fallback;
}

// The port of a TCP socket listening on 127.0.0.1 that `pid` holds, 0 if none.
unsigned listening_port_of(pid_t pid)
{
    std::set<std::string> inodes; // "socket:[INODE]" targets of its descriptors
    for (const auto& target : test::open_fds(pid))
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

} // namespace

std::string echod_path() { return from_env_or("ECHOD_UNDER_TEST", test::echod_binary()); }
std::string echo_client_path() { return from_env_or("ECHO_CLIENT_UNDER_TEST", test::echo_client_binary()); }

daemon::daemon(std::vector<std::string> args) : daemon(daemon_setup{std::move(args), {}, {}, {}, 15s}) {}

daemon::daemon(daemon_setup setup)
{
    // mkdtemp made it 0700; a daemon that drops privileges must still read its config.
    ::chmod(dir_.path().c_str(), 0755);
    const auto config = dir_ / "echod.conf";
    test::write_file(config, "");

    test::spawn_options o;
    o.argv = setup.wrapper;
    o.argv.insert(o.argv.end(), {setup.binary.empty() ? echod_path() : setup.binary, "--config", config.string(), "--listen", "127.0.0.1:0"});
    o.argv.insert(o.argv.end(), setup.args.begin(), setup.args.end());
    o.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "JOURNAL_STREAM"};
    o.stdout_file = dir_ / "stdout";
    o.stderr_file = dir_ / "stderr";
    o.in_child = std::move(setup.in_child);
    process_ = test::process::spawn(std::move(o));

    // The port comes from /proc, not from the log: at --log-level warning
    // echod does not say where it listens.
    const auto end = std::chrono::steady_clock::now() + setup.startup;
    for (;;) {
        if (const unsigned port = listening_port_of(pid())) {
            port_ = port;
            return;
        }
        if (!process_.running())
            throw std::runtime_error("echod exited before listening; its log:\n" + log());
        if (std::chrono::steady_clock::now() > end)
            throw std::runtime_error("echod did not start listening in time; its log:\n" + log());
        std::this_thread::sleep_for(5ms);
    }
}

bool daemon::log_contains(const std::string& text, std::chrono::milliseconds deadline) const
{
    return test::eventually([&] { return log().find(text) != std::string::npos; }, deadline);
}

std::size_t daemon::log_lines_with(const std::string& text) const
{
    std::istringstream in(log());
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);)
        n += line.find(text) != std::string::npos;
    return n;
}

std::optional<int> daemon::stop(int signo, std::chrono::milliseconds deadline)
{
    process_.signal(signo);
    return process_.wait_for(deadline);
}

bool all_children_reaped(pid_t daemon, std::chrono::milliseconds deadline)
{
    return test::eventually([&] { return test::children_of(daemon).empty(); }, deadline);
}

} // namespace stress
