// A listening socket in a thread of the test that stands where a PROXY
// listener would: for each connection it accepts, it reads the first bytes,
// takes the PROXY header off them with common/'s parser, keeps it, and
// echoes the rest until the client closes. One connection at a time, which
// is all echo-client's modes need (--new-connection's are short).
#pragma once

#include "echo/address.hpp"
#include "echo/unique_fd.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace proxytest {

// What one connection began with, and what the server saw of it.
struct connection {
    std::string header;             // the header's bytes, exactly as sent
    std::string refusal;            // the parser's reason when they were no header; empty when they were
    echo::socket_address client;    // the peer, from accept
    echo::socket_address server;    // the accepted socket's local address
    std::size_t echoed = 0;         // data bytes after the header, all echoed
};

class header_capture {
public:
    // Listens on the loopback address of `family` (AF_INET or AF_INET6), on
    // a port of the kernel's choosing.
    explicit header_capture(int family);
    ~header_capture();
    header_capture(const header_capture&) = delete;
    header_capture& operator=(const header_capture&) = delete;

    [[nodiscard]] unsigned port() const noexcept { return port_; }
    // The connections served to their end so far.
    [[nodiscard]] std::vector<connection> connections() const;
    // Waits until `n` connections were served to their end, or the deadline.
    [[nodiscard]] bool wait_for(std::size_t n, std::chrono::milliseconds deadline) const;

private:
    void serve();
    void serve_one(echo::unique_fd fd, connection c);

    echo::unique_fd listener_;
    unsigned port_ = 0;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<connection> done_;
    std::thread thread_;
};

} // namespace proxytest
