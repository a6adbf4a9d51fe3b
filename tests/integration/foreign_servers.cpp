#include "foreign_servers.hpp"

#include "net.hpp"

#include "echo/io.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace itest {
namespace {

bool accepts(unsigned port)
{
    try {
        (void)test::connect_tcp("127.0.0.1", port);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

foreign_server start(const test::temp_dir& dir, const std::string& name, std::vector<std::string> argv, unsigned port)
{
    foreign_server s;
    s.port = port;
    test::spawn_options o;
    o.argv = std::move(argv);
    o.own_process_group = true; // socat's and inetd's children go with it
    o.stdout_file = dir / (name + ".out");
    o.stderr_file = dir / (name + ".err");
    s.process = test::process::spawn(std::move(o));
    if (!test::eventually([&] { return accepts(port) || !s.process.running(); }, 15s) || !s.process.running())
        s.unavailable = name + " did not start listening on port " + std::to_string(port) + ": " +
                        test::read_file(dir / (name + ".err"));
    return s;
}

} // namespace

foreign_server start_socat(const test::temp_dir& dir, const std::string& address)
{
    if (!std::filesystem::exists("/usr/bin/socat"))
        return {{}, 0, "socat is not installed (Debian package socat)"};
    const unsigned port = test::free_tcp_port();
    return start(dir, "socat",
                 {"/usr/bin/socat", "TCP-LISTEN:" + std::to_string(port) + ",bind=127.0.0.1,reuseaddr,fork", address},
                 port);
}

foreign_server start_inetd(const test::temp_dir& dir)
{
    if (!std::filesystem::exists("/usr/sbin/inetd"))
        return {{}, 0, "inetd is not installed (Debian package openbsd-inetd)"};
    if (!std::filesystem::exists("/usr/bin/unshare"))
        return {{}, 0, "unshare is not installed (Debian package util-linux)"};
    if (::geteuid() != 0)
        return {{}, 0, "inetd's internal echo on a high port needs root (a private mount namespace for /etc/services)"};
    const unsigned port = test::free_tcp_port();
    {
        std::ifstream in("/etc/services");
        std::ofstream out(dir / "services");
        for (std::string line; std::getline(in, line);)
            if (line.rfind("echo", 0) != 0)
                out << line << '\n';
        out << "echo\t\t" << port << "/tcp\n";
    }
    test::write_file(dir / "inetd.conf", "127.0.0.1:echo\tstream\ttcp\tnowait\troot\tinternal\n");
    auto s = start(dir, "inetd",
                   {"/usr/bin/unshare", "--mount", "/bin/sh", "-c",
                    "mount --bind \"$1\" /etc/services && exec /usr/sbin/inetd -i \"$2\"", "sh",
                    (dir / "services").string(), (dir / "inetd.conf").string()},
                   port);
    if (!s.unavailable.empty())
        s.unavailable += " (a nested container may forbid mount namespaces)";
    return s;
}

scripted_server::scripted_server(script serve)
    : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (!listener_ || ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_.get(), 4) != 0 || ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error(std::string("scripted server: ") + std::strerror(errno));
    port_ = ntohs(a.sin_port);
    int stop[2];
    if (::pipe2(stop, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    stop_read_.reset(stop[0]);
    stop_write_.reset(stop[1]);
    thread_ = std::thread([this, serve = std::move(serve)] {
        pollfd p[2] = {{listener_.get(), POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
        while (::poll(p, 2, -1) < 0 && errno == EINTR) {
        }
        if (!(p[0].revents & POLLIN))
            return; // stopped before any client came
        const echo::unique_fd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (connection)
            serve(connection.get(), stop_read_.get());
    });
}

scripted_server::~scripted_server()
{
    // The server thread polls without a timeout: without the wake-up the
    // join below would hang the test, so end loudly instead. (g++ 14 with
    // _FORTIFY_SOURCE warns about a result cast to void: test it instead.)
    if (::write(stop_write_.get(), "x", 1) != 1) {
        std::perror("scripted_server: waking the server thread");
        std::abort();
    }
    thread_.join();
}

std::string read_to_end_of_input(int connection)
{
    std::string all;
    char buffer[65536];
    for (;;) {
        const auto in = echo::read_some(connection, buffer);
        if (!in.ok() || in.bytes == 0)
            return all;
        all.append(buffer, in.bytes);
    }
}

void hold_until_stopped(int stop_fd)
{
    pollfd p{stop_fd, POLLIN, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
}

} // namespace itest
