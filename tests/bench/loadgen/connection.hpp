// Client sockets for the load: where they go, where they come from, and the
// epoll set that drives them.
#pragma once

#include "echo/unique_fd.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace bench {

struct sock_address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    [[nodiscard]] const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
    [[nodiscard]] int family() const noexcept { return storage.ss_family; }
};

// The numeric loopback address and port under test.
[[nodiscard]] sock_address target_address(const std::string& host, unsigned port);

// Local addresses handed out in turn. With one source address every connect()
// searches the ephemeral ports through TIME_WAIT sockets, which caps the rate
// at what the client's kernel can search, not what the server can serve.
class source_addresses {
public:
    // IPv4: 127.0.0.(2+first) .. 127.0.0.(first+count+1); IPv6 has only ::1,
    // so no binding. hold's workers each take their own block (`first`), so
    // every worker has the ephemeral ports of its sources to itself.
    source_addresses(int family, unsigned count, unsigned first = 0);
    [[nodiscard]] const sock_address* next() noexcept;

private:
    std::vector<sock_address> addresses_;
    std::size_t next_ = 0;
};

// A non-blocking TCP socket with TCP_NODELAY, bound to `source` (port chosen
// at connect time, IP_BIND_ADDRESS_NO_PORT) and connecting to `target`.
// `connected` says whether connect() already finished.
struct started_connect {
    echo::unique_fd fd;
    bool connected = false;
};
[[nodiscard]] started_connect start_connect(const sock_address& target, const sock_address* source);

// The pending error of a socket whose connect() was in progress (0: connected).
[[nodiscard]] int connect_result(int fd) noexcept;

// Raises RLIMIT_NOFILE to at least `needed` (the hard limit too, when allowed).
void raise_descriptor_limit(std::size_t needed);

class event_loop {
public:
    event_loop();
    void add(int fd, std::uint32_t events, std::uint64_t tag);
    void modify(int fd, std::uint32_t events, std::uint64_t tag);
    void remove(int fd) noexcept;
    // Waits up to `timeout`; returns the events that arrived (possibly none).
    [[nodiscard]] std::span<const epoll_event> wait(std::chrono::milliseconds timeout);

private:
    void control(int op, int fd, std::uint32_t events, std::uint64_t tag, const char* what);

    echo::unique_fd epoll_;
    std::vector<epoll_event> events_;
};

// Monotonic nanoseconds, for latencies.
[[nodiscard]] std::int64_t now_ns() noexcept;

} // namespace bench
