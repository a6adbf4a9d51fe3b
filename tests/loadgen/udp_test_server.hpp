// A UDP echo server a test makes on purpose, in a thread of the test: it
// answers each datagram as its behaviour says (echo it, drop it, change it,
// send it twice) and counts what it did, so a test can check the load
// generator's figures against the truth.
#pragma once

#include "echo/unique_fd.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace loadtest {

// What to send back for datagram number `index` (counted from 0 in arrival
// order): each string in the result goes out as one datagram; none: dropped.
using behaviour = std::function<std::vector<std::string>(std::uint64_t index, const std::string& datagram)>;

class udp_test_server {
public:
    explicit udp_test_server(behaviour b);
    ~udp_test_server();
    udp_test_server(const udp_test_server&) = delete;
    udp_test_server& operator=(const udp_test_server&) = delete;

    [[nodiscard]] unsigned port() const noexcept { return port_; }
    // Datagrams received and answered with nothing. Read after the client is done.
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

private:
    void serve();

    behaviour behaviour_;
    echo::unique_fd socket_;
    unsigned port_ = 0;
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace loadtest
