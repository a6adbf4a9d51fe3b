// probe, free-port and memory: what the comparison script needs to start servers on
// free ports and know when they answer, without other tools (udp-probe: udp_probe.cpp).
#include "connection.hpp"
#include "exchange.hpp"
#include "exit_codes.hpp"
#include "modes.hpp"
#include "server_memory.hpp"

#include "echo/error.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace bench {
namespace {

// One blocking-style echo on a fresh connection, bounded by `limit`.
bool answers(const sock_address& target, const options& o, std::chrono::milliseconds limit)
{
    const pattern bytes;
    try {
        auto attempt = start_connect(target, nullptr);
        event_loop loop;
        loop.add(attempt.fd.get(), EPOLLOUT, 0);
        if (!attempt.connected && (loop.wait(limit).empty() || connect_result(attempt.fd.get()) != 0))
            return false;
        exchange x;
        x.restart(0, o.size);
        std::vector<char> scratch(4096);
        loop.modify(attempt.fd.get(), EPOLLIN, 0);
        if (x.send_some(attempt.fd.get(), bytes) != step::waiting || !x.all_sent())
            return false;
        const std::int64_t give_up = now_ns() + std::chrono::nanoseconds(limit).count();
        while (now_ns() < give_up) {
            if (loop.wait(limit).empty())
                return false;
            const step s = x.receive_some(attempt.fd.get(), bytes, scratch);
            if (s == step::done)
                return true;
            if (s != step::waiting)
                return false;
        }
    } catch (const std::system_error&) {
    }
    return false;
}

} // namespace

int run_probe(const options& o)
{
    const auto target = target_address(o.host, o.port);
    const std::int64_t give_up = now_ns() + std::chrono::nanoseconds(o.timeout).count();
    do {
        if (answers(target, o, std::chrono::milliseconds(1000))) {
            std::printf("RESULT mode=probe ok=1 port=%u\n%s:%u answers\n", o.port, o.host.c_str(), o.port);
            return exit_ok;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (now_ns() < give_up);
    std::printf("RESULT mode=probe ok=0 port=%u\n%s:%u did not answer an echo in time\n", o.port, o.host.c_str(),
                o.port);
    return exit_unreachable;
}

int run_free_port(const options& o)
{
    // The kernel's choice for a TCP port 0 is free now, and taken when the
    // same port also binds for UDP: the script starts TCP and UDP servers on
    // the ports this prints. Whoever binds next may still take it, a race the
    // script accepts (it checks the server answers).
    const auto any = target_address(o.host, 0);
    for (int attempt = 0; attempt < 100; ++attempt) {
        echo::unique_fd fd(::socket(any.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd || ::bind(fd.get(), any.get(), any.length) < 0)
            echo::throw_errno("bind " + o.host + ":0");
        sockaddr_storage bound{};
        socklen_t length = sizeof bound;
        if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &length) < 0)
            echo::throw_errno("getsockname");
        echo::unique_fd udp(::socket(any.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!udp)
            echo::throw_errno("socket (UDP)");
        if (::bind(udp.get(), reinterpret_cast<sockaddr*>(&bound), length) < 0)
            continue; // taken for UDP: another one
        const auto port = bound.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                                                     : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
        std::printf("%u\n", port);
        return exit_ok;
    }
    throw std::runtime_error("no port free for both TCP and UDP in 100 attempts");
}

int run_memory(const options& o)
{
    const tree_memory m = measure_tree(o.server_pid);
    std::printf("RESULT mode=memory ok=%d pid=%d processes=%llu pss_kib=%llu\nprocess %d: %llu processes, %llu KiB PSS\n",
                m.processes > 0 ? 1 : 0, static_cast<int>(o.server_pid), static_cast<unsigned long long>(m.processes),
                static_cast<unsigned long long>(m.pss_kib), static_cast<int>(o.server_pid),
                static_cast<unsigned long long>(m.processes), static_cast<unsigned long long>(m.pss_kib));
    return m.processes > 0 ? exit_ok : exit_unreachable;
}

} // namespace bench
