#include "helpers.hpp"

#include "echo/address.hpp"
#include "echo/socket.hpp"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <vector>
#include <filesystem>
#include <stdexcept>

namespace itest {

std::string echo_once(unsigned port, const std::string& message, const std::string& host)
{
    auto fd = test::connect_tcp(host, port);
    test::send_all(fd.get(), message);
    return test::read_exactly(fd.get(), message.size());
}

int connect_errno(const std::string& host, unsigned port)
{
    const auto address = echo::resolve({host, std::to_string(port)}, echo::resolve_for::connecting).front();
    echo::unique_fd fd(::socket(address.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    return ::connect(fd.get(), address.get(), address.length) == 0 ? 0 : errno;
}

std::vector<pid_t> live_children(pid_t pid)
{
    std::vector<pid_t> out;
    for (pid_t child : test::children_of(pid))
        if (test::alive(child))
            out.push_back(child);
    return out;
}

std::set<std::string> sockets_of(pid_t pid)
{
    std::set<std::string> out;
    for (const auto& target : test::open_fds(pid))
        if (target.rfind("socket:", 0) == 0)
            out.insert(target);
    return out;
}

reserved_port reserve_port(const std::string& host)
{
    const auto address = echo::resolve({host, "0"}, echo::resolve_for::connecting).front();
    reserved_port r;
    r.fd.reset(::socket(address.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!r.fd || ::bind(r.fd.get(), address.get(), address.length) != 0)
        throw std::runtime_error(std::string("reserve_port: ") + std::strerror(errno));
    r.port = echo::local_port_of(r.fd.get());
    return r;
}

finished run_to_end(test::spawn_options options, std::chrono::milliseconds deadline)
{
    test::temp_dir dir;
    options.stdout_file = dir / "out";
    options.stderr_file = dir / "err";
    options.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC",
                     "JOURNAL_STREAM"};
    auto p = test::process::spawn(std::move(options));
    finished f;
    if (const auto st = p.wait_for(deadline))
        f.status = *st;
    f.out = p.stdout_text();
    f.err = p.stderr_text();
    return f;
}

finished run_echod(const std::vector<std::string>& args, std::function<void()> in_child)
{
    test::spawn_options o;
    o.argv = {test::echod_binary()};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.in_child = std::move(in_child);
    return run_to_end(std::move(o));
}

finished run_client(const std::vector<std::string>& args, std::function<void()> in_child)
{
    test::spawn_options o;
    o.argv = {test::echo_client_binary()};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.in_child = std::move(in_child);
    return run_to_end(std::move(o));
}

std::map<int, std::string> descriptors_of(pid_t pid)
{
    std::map<int, std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        std::error_code link_ec;
        out[std::stoi(entry.path().filename().string())] = std::filesystem::read_symlink(entry.path(), link_ec).string();
    }
    return out;
}

bool one_line(const std::string& text)
{
    return !text.empty() && text.back() == '\n' && text.find('\n') == text.size() - 1;
}

test::process spawn_client(const test::temp_dir& dir, const std::string& host, unsigned port)
{
    test::spawn_options o;
    o.argv = {test::echo_client_binary(), host, std::to_string(port)};
    o.stdin_mode = test::spawn_options::input::pipe;
    o.stdout_file = dir / "client.out";
    o.stderr_file = dir / "client.err";
    return test::process::spawn(std::move(o));
}

void fail_syscall_in_child(int nr, int error, int option)
{
#if defined(__x86_64__)
    constexpr unsigned arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    constexpr unsigned arch = AUDIT_ARCH_AARCH64;
#else
    ::_exit(seccomp_unavailable);
#endif
    const sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    const sock_filter fail = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | static_cast<unsigned>(error));
    std::vector<sock_filter> code = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
        allow,
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(nr), 1, 0),
        allow,
    };
    if (option >= 0) {
        // args[2], the option's name (its low half: little-endian).
        code.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args) + 2 * sizeof(__u64)));
        code.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(option), 0, 1));
    }
    code.push_back(fail);
    code.push_back(allow);
    sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0)
        ::_exit(seccomp_unavailable);
}

} // namespace itest
