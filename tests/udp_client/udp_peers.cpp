#include "udp_peers.hpp"

#include "udp.hpp"

#include "echo/unique_fd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace udptest {
namespace {

using namespace std::chrono_literals;

// True once a datagram sent to 127.0.0.1:port comes back.
bool echoes(unsigned port)
{
    const echo::unique_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        return false;
    if (::send(fd.get(), "ready?", 6, 0) != 6)
        return false;
    pollfd p{fd.get(), POLLIN, 0};
    char back[16];
    return ::poll(&p, 1, 200) == 1 && ::recv(fd.get(), back, sizeof back, 0) == 6;
}

} // namespace

peer start_socat(const test::temp_dir& dir)
{
    peer p;
    const std::string socat = UDP_TEST_SOCAT;
    if (socat.empty() || !std::filesystem::exists(socat)) {
        p.unavailable = "socat is not installed (Debian package socat)";
        return p;
    }
    p.address = "127.0.0.1";
    p.port = test::free_udp_port();
    test::spawn_options o;
    o.argv = {socat, "-b", "65536", "UDP-RECVFROM:" + std::to_string(p.port) + ",bind=127.0.0.1,fork", "PIPE"};
    o.own_process_group = true; // socat's children (one per datagram) go with it
    o.stdout_file = dir / "socat.out";
    o.stderr_file = dir / "socat.err";
    p.process = test::process::spawn(std::move(o));
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!echoes(p.port)) {
        if (!p.process.running() || std::chrono::steady_clock::now() > end) {
            p.unavailable = "socat did not echo within 10 s: " + test::read_file(dir / "socat.err");
            return p;
        }
    }
    return p;
}

peer start_python(const test::temp_dir& dir, const std::string& address, std::vector<std::string> options)
{
    peer p;
    const std::string python = UDP_TEST_PYTHON3;
    if (python.empty() || !std::filesystem::exists(python)) {
        p.unavailable = "python3 is not installed";
        return p;
    }
    p.address = address;
    test::spawn_options o;
    o.argv = {python, UDP_ECHO_SCRIPT, "--address", address};
    o.argv.insert(o.argv.end(), options.begin(), options.end());
    o.own_process_group = true;
    o.stdout_file = dir / "python.out";
    o.stderr_file = dir / "python.err";
    p.process = test::process::spawn(std::move(o));
    // The script prints its port once bound: no readiness datagram that
    // would count among the ones it drops or changes.
    const bool bound = test::eventually(
        [&] {
            return test::read_file(dir / "python.out").find('\n') != std::string::npos || !p.process.running();
        },
        10s);
    const std::string printed = test::read_file(dir / "python.out");
    if (!bound || printed.find('\n') == std::string::npos) {
        p.unavailable = "udp_echo.py did not start on " + address + ": " + test::read_file(dir / "python.err");
        return p;
    }
    p.port = static_cast<unsigned>(std::stoul(printed));
    return p;
}

} // namespace udptest
