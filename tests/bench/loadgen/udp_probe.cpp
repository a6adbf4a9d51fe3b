// udp-probe: what the comparison script needs to know that a UDP server is
// up. UDP has no connect to wait for, so a datagram goes out every 100 ms
// until one comes back, byte for byte, or --timeout runs out.
#include "datagram.hpp"
#include "exit_codes.hpp"
#include "modes.hpp"

#include <sys/socket.h>

#include <cstdio>
#include <vector>

namespace bench {

int run_udp_probe(const options& o)
{
    if (o.size < min_datagram || o.size > max_datagram)
        throw usage_error("udp-probe: --size must be 16..65507");
    const auto target = target_address(o.host, o.port);
    const pattern bytes;
    auto fd = open_datagram_socket(target, nullptr);
    event_loop loop;
    loop.add(fd.get(), EPOLLIN, 0);
    std::vector<char> out(o.size);
    std::vector<char> in(o.size + 1);
    const std::int64_t give_up = now_ns() + std::chrono::nanoseconds(o.timeout).count();
    for (std::uint64_t seq = 0; now_ns() < give_up; ++seq) {
        fill_datagram(out, 0, seq, bytes);
        // Refused (nothing bound yet) or a full buffer: the next turn retries.
        (void)::send(fd.get(), out.data(), out.size(), 0);
        if (loop.wait(std::chrono::milliseconds(100)).empty())
            continue;
        const ssize_t got = ::recv(fd.get(), in.data(), in.size(), MSG_DONTWAIT);
        if (got > 0 && read_datagram({in.data(), static_cast<std::size_t>(got)}, o.size, 0, bytes)) {
            std::printf("RESULT mode=udp-probe ok=1 port=%u\n%s:%u answers over UDP\n", o.port, o.host.c_str(),
                        o.port);
            return exit_ok;
        }
    }
    std::printf("RESULT mode=udp-probe ok=0 port=%u\n%s:%u did not echo a datagram in time\n", o.port,
                o.host.c_str(), o.port);
    return exit_unreachable;
}

} // namespace bench
