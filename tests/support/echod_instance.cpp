#include "echod_instance.hpp"

#include "proc.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace test {

namespace {

std::string from_env_or(const char* name, std::string fallback)
{
    const char* value = std::getenv(name);
    return value && *value ? std::string(value) : fallback;
}

// The port of the first address in echod's "listening on ADDR:PORT[, ...]"
// line, 0 until the line is complete.
unsigned port_from_log(const std::string& text)
{
    const auto at = text.find("listening on ");
    if (at == std::string::npos || text.find('\n', at) == std::string::npos)
        return 0;
    const auto stop = text.find_first_of(", \n", at + 13);
    const auto ports = numbers_after(text.substr(at + 13, stop - at - 13), ":");
    return ports.empty() ? 0 : static_cast<unsigned>(ports.back());
}

} // namespace

std::string echod_binary() { return from_env_or("ECHOD_UNDER_TEST", ECHOD_BINARY); }
std::string echo_client_binary() { return from_env_or("ECHO_CLIENT_UNDER_TEST", ECHO_CLIENT_BINARY); }

echod_instance::echod_instance(echod_setup setup)
{
    // mkdtemp made it 0700; an echod that drops privileges must still read its config.
    ::chmod(dir_.path().c_str(), 0755);
    config_ = dir_ / "echod.conf";
    write_file(config_, setup.config_text);

    spawn_options o;
    o.argv = setup.wrapper;
    o.argv.insert(o.argv.end(), {setup.binary.empty() ? echod_binary() : setup.binary, "--config", config_.string()});
    const bool has_listen = std::any_of(setup.args.begin(), setup.args.end(), [](const std::string& a) {
        return a == "--listen" || a == "-l" || a.rfind("--listen=", 0) == 0;
    });
    if (setup.listen_on_free_port && !has_listen) {
        o.argv.push_back("--listen");
        o.argv.push_back("127.0.0.1:0");
    }
    o.argv.insert(o.argv.end(), setup.args.begin(), setup.args.end());
    o.env = std::move(setup.env);
    o.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "JOURNAL_STREAM"};
    for (const auto& e : o.env)
        o.unset.erase(std::remove(o.unset.begin(), o.unset.end(), e.substr(0, e.find('='))), o.unset.end());
    o.stdout_file = dir_ / "stdout";
    o.stderr_file = dir_ / "stderr";
    o.in_child = std::move(setup.in_child);
    process_ = process::spawn(std::move(o));

    // echod logs "listening on ADDR:PORT[, ...]" once every socket is bound;
    // below level notice it does not, and the port comes from /proc.
    const auto end = std::chrono::steady_clock::now() + setup.startup;
    for (;;) {
        const std::string text = log();
        port_ = port_from_log(text);
        if (port_ == 0)
            port_ = listening_port_of(pid());
        if (port_ != 0)
            return;
        if (!process_.running())
            throw std::runtime_error("echod exited before listening; its log:\n" + text);
        if (std::chrono::steady_clock::now() > end)
            throw std::runtime_error("echod did not start listening in time; its log:\n" + text);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

bool echod_instance::log_contains(const std::string& text, std::chrono::milliseconds deadline) const
{
    return eventually([&] { return log().find(text) != std::string::npos; }, deadline);
}

std::size_t echod_instance::log_lines_with(const std::string& text) const
{
    std::istringstream in(log());
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);)
        n += line.find(text) != std::string::npos;
    return n;
}

std::optional<int> echod_instance::stop(int signo, std::chrono::milliseconds deadline)
{
    process_.signal(signo);
    return process_.wait_for(deadline);
}

client_run run_client(const std::vector<std::string>& args, std::string_view input,
                      std::chrono::milliseconds deadline)
{
    temp_dir dir;
    write_file(dir / "in", input);
    spawn_options o;
    o.argv = {echo_client_binary()};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.stdin_mode = spawn_options::input::file;
    o.stdin_file = dir / "in";
    o.stdout_file = dir / "out";
    o.stderr_file = dir / "err";
    auto p = process::spawn(std::move(o));
    client_run r;
    if (const auto st = p.wait_for(deadline))
        r.status = *st;
    else
        p.signal(SIGKILL), (void)p.wait_for(5s);
    r.out = p.stdout_text();
    r.err = p.stderr_text();
    return r;
}

} // namespace test
