#include "process.hpp"

#include "echo/io.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace test {
namespace {

[[noreturn]] void die_in_child(const char* what)
{
    const std::string line = std::string("spawn: ") + what + ": " + std::strerror(errno) + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    ::_exit(127);
}

void redirect(int target, const std::filesystem::path& file, int flags)
{
    const int fd = ::open(file.c_str(), flags | O_CLOEXEC, 0644);
    if (fd < 0 || ::dup2(fd, target) < 0)
        die_in_child(file.c_str());
    ::close(fd);
}

} // namespace

process process::spawn(spawn_options options)
{
    if (options.argv.empty())
        throw std::invalid_argument("spawn: empty argv");
    int in_pipe[2] = {-1, -1};
    if (options.stdin_mode == spawn_options::input::pipe && ::pipe2(in_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");

    // Everything exec needs is prepared before fork.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        const std::string entry(*e);
        const std::string name = entry.substr(0, entry.find('='));
        bool drop = false;
        for (const auto& u : options.unset)
            drop = drop || name == u;
        for (const auto& add : options.env)
            drop = drop || add.substr(0, add.find('=')) == name;
        if (!drop)
            env_strings.push_back(entry);
    }
    env_strings.insert(env_strings.end(), options.env.begin(), options.env.end());
    std::vector<char*> argv, envp;
    for (auto& a : options.argv)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_strings)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        // Tests may block signals (e.g. for a signalfd); the program must not inherit that.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        if (options.own_process_group && ::setpgid(0, 0) != 0)
            die_in_child("setpgid");
        if (options.stdin_mode == spawn_options::input::pipe) {
            ::dup2(in_pipe[0], STDIN_FILENO);
        } else if (options.stdin_mode == spawn_options::input::file) {
            redirect(STDIN_FILENO, options.stdin_file, O_RDONLY);
        } else {
            redirect(STDIN_FILENO, "/dev/null", O_RDONLY);
        }
        redirect(STDOUT_FILENO, options.stdout_file.empty() ? "/dev/null" : options.stdout_file,
                 O_WRONLY | O_CREAT | O_TRUNC);
        redirect(STDERR_FILENO, options.stderr_file.empty() ? "/dev/null" : options.stderr_file,
                 O_WRONLY | O_CREAT | O_TRUNC);
        if (options.in_child)
            options.in_child();
        ::execve(argv[0], argv.data(), envp.data());
        die_in_child(argv[0]);
    }
    // Also here, so that the group exists before spawn() returns, whichever
    // of the two runs first (EACCES: the child has exec'd, so it did it).
    if (options.own_process_group)
        (void)::setpgid(pid, pid);
    process p;
    p.pid_ = pid;
    if (in_pipe[0] >= 0) {
        ::close(in_pipe[0]);
        p.stdin_.reset(in_pipe[1]);
    }
    p.options_ = std::move(options);
    return p;
}

process::process(process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      status_(other.status_),
      stdin_(std::move(other.stdin_)),
      options_(std::move(other.options_))
{
}

process& process::operator=(process&& other) noexcept
{
    if (this != &other) {
        kill_and_reap();
        pid_ = std::exchange(other.pid_, -1);
        status_ = other.status_;
        stdin_ = std::move(other.stdin_);
        options_ = std::move(other.options_);
    }
    return *this;
}

process::~process() { kill_and_reap(); }

void process::kill_and_reap() noexcept
{
    if (pid_ <= 0)
        return;
    const bool group = options_.own_process_group;
    // While the group dies this process is a subreaper: the members the
    // child leaves orphaned become ours to reap, rather than PID 1's, which
    // may take its time (seconds, in some containers) or never do it.
    int was_subreaper = 0;
    if (group) {
        (void)::prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper);
        if (!was_subreaper)
            (void)::prctl(PR_SET_CHILD_SUBREAPER, 1);
        // The group too when the child already ended: its own children may not have.
        ::kill(-pid_, SIGKILL);
    }
    if (!status_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        status_ = 128 + SIGKILL;
    }
    if (group) {
        // The group id stays in use, and cannot be reused, until the last
        // member is gone: wait for that, reaping those that came to us.
        const auto end = std::chrono::steady_clock::now() + 10s;
        while (::kill(-pid_, 0) == 0 && std::chrono::steady_clock::now() < end) {
            ::kill(-pid_, SIGKILL);
            if (::waitpid(-pid_, nullptr, WNOHANG) <= 0)
                std::this_thread::sleep_for(1ms);
        }
        if (!was_subreaper)
            (void)::prctl(PR_SET_CHILD_SUBREAPER, 0);
    }
}

void process::write_stdin(std::string_view data)
{
    const auto r = echo::write_all(stdin_.get(), data);
    if (!r.ok())
        throw std::runtime_error(std::string("write to child stdin: ") + std::strerror(r.error));
}

void process::signal(int signo) const
{
    if (pid_ > 0 && !status_)
        ::kill(pid_, signo);
}

std::optional<int> process::wait_for(std::chrono::milliseconds deadline)
{
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!status_) {
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
        if (r < 0 && errno != EINTR)
            throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
        if (std::chrono::steady_clock::now() >= end)
            return std::nullopt;
        std::this_thread::sleep_for(2ms);
    }
    return status_;
}

bool process::running() { return !wait_for(0ms).has_value(); }

std::string process::stdout_text() const
{
    return options_.stdout_file.empty() ? std::string() : read_file(options_.stdout_file);
}

std::string process::stderr_text() const
{
    return options_.stderr_file.empty() ? std::string() : read_file(options_.stderr_file);
}

temp_dir::temp_dir()
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/echod-test.XXXXXX";
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    path_ = pattern;
}

temp_dir::~temp_dir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const std::filesystem::path& path, std::string_view data)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
}

std::vector<unsigned long> numbers_after(const std::string& text, const std::string& marker)
{
    std::vector<unsigned long> out;
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
        const char* first = text.data() + at + marker.size();
        unsigned long value = 0;
        const auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
        if (ec == std::errc() && end != first)
            out.push_back(value);
    }
    return out;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline)
{
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        if (condition())
            return true;
        if (std::chrono::steady_clock::now() >= end)
            return false;
        std::this_thread::sleep_for(5ms);
    }
}

} // namespace test
