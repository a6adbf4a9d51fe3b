#include "connect_all.hpp"

#include <cstring>
#include <system_error>

namespace bench {

std::vector<echo::unique_fd> connect_all(const sock_address& target, source_addresses& sources, std::size_t count,
                                         std::size_t parallel, std::chrono::milliseconds timeout, failures& failed,
                                         std::int64_t give_up_at)
{
    std::vector<echo::unique_fd> sockets(count);
    event_loop loop;
    std::size_t next = 0, pending = 0, connected = 0;

    auto launch = [&] {
        while (pending < parallel && next < count && !failed.any()) {
            const std::size_t index = next++;
            try {
                auto attempt = start_connect(target, sources.next());
                sockets[index] = std::move(attempt.fd);
                if (attempt.connected) {
                    ++connected;
                } else {
                    loop.add(sockets[index].get(), EPOLLOUT, index);
                    ++pending;
                }
            } catch (const std::system_error& e) {
                failed.note_connect(e.what());
            }
        }
    };

    launch();
    while (pending > 0 && !failed.any()) {
        if (give_up_at != 0 && now_ns() > give_up_at) {
            failed.note_stall("connects: only " + std::to_string(connected) + " of " + std::to_string(count) +
                              " connected within the time limit");
            break;
        }
        const auto events = loop.wait(timeout);
        if (events.empty()) {
            failed.note_stall("connects: none completed within the timeout (" + std::to_string(connected) + " of " +
                              std::to_string(count) + " connected)");
            break;
        }
        for (const auto& e : events) {
            const auto index = static_cast<std::size_t>(e.data.u64);
            --pending;
            loop.remove(sockets[index].get());
            if (const int err = connect_result(sockets[index].get()); err != 0) {
                failed.note_connect("connect #" + std::to_string(index) + ": " + std::strerror(err));
                sockets[index].reset();
            } else {
                ++connected;
            }
        }
        launch();
    }
    return sockets;
}

} // namespace bench
