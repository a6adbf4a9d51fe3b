#include "peers.hpp"

#include "net.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace pingtest {
namespace {

peer start(const test::temp_dir& dir, const std::string& name, std::vector<std::string> argv, unsigned port)
{
    peer p;
    p.port = port;
    test::spawn_options o;
    o.argv = std::move(argv);
    o.own_process_group = true; // socat's children go with it
    o.stdout_file = dir / (name + ".out");
    o.stderr_file = dir / (name + ".err");
    p.process = test::process::spawn(std::move(o));
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!accepts(port, 50ms)) {
        if (!p.process.running()) {
            p.unavailable = name + " did not start: " + test::read_file(dir / (name + ".err"));
            return p;
        }
        if (std::chrono::steady_clock::now() > end) {
            p.unavailable = name + " did not accept connections within 10 s";
            return p;
        }
    }
    return p;
}

} // namespace

std::string echo_bench_binary() { return ECHO_BENCH_BINARY; }

unsigned free_port() { return test::free_tcp_port(); }

bool accepts(unsigned port, std::chrono::milliseconds deadline)
{
    const auto end = std::chrono::steady_clock::now() + deadline;
    do {
        try {
            (void)test::connect_tcp("127.0.0.1", port);
            return true;
        } catch (const std::exception&) {
            std::this_thread::sleep_for(10ms);
        }
    } while (std::chrono::steady_clock::now() < end);
    return false;
}

peer start_socat(const test::temp_dir& dir)
{
    if (!std::filesystem::exists("/usr/bin/socat"))
        return {{}, 0, "socat is not installed (Debian package socat)"};
    const unsigned port = free_port();
    return start(dir, "socat",
                 {"/usr/bin/socat", "TCP-LISTEN:" + std::to_string(port) + ",bind=127.0.0.1,reuseaddr,fork",
                  // not PIPE: socat can deadlock on a pipe only it reads
                  // (tests/integration/foreign_servers.hpp)
                  "EXEC:/bin/cat"},
                 port);
}

peer start_inetd(const test::temp_dir& dir)
{
    if (!std::filesystem::exists("/usr/sbin/inetd"))
        return {{}, 0, "inetd is not installed (Debian package openbsd-inetd)"};
    if (::geteuid() != 0)
        return {{}, 0, "inetd's internal echo needs root here (a private mount namespace for /etc/services)"};
    const unsigned port = free_port();
    {
        std::ifstream in("/etc/services");
        std::ofstream out(dir / "services");
        for (std::string line; std::getline(in, line);)
            if (line.rfind("echo", 0) != 0)
                out << line << '\n';
        out << "echo\t\t" << port << "/tcp\n";
    }
    test::write_file(dir / "inetd.conf", "127.0.0.1:echo\tstream\ttcp\tnowait\troot\tinternal\n");
    return start(dir, "inetd",
                 {"/usr/bin/unshare", "--mount", "/bin/sh", "-c",
                  "mount --bind \"$1\" /etc/services && exec /usr/sbin/inetd -i \"$2\"", "sh",
                  (dir / "services").string(), (dir / "inetd.conf").string()},
                 port);
}

peer start_epoll_reference(const test::temp_dir& dir)
{
    const unsigned port = free_port();
    return start(dir, "epoll-reference", {EPOLL_REFERENCE_BINARY, std::to_string(port)}, port);
}

} // namespace pingtest
