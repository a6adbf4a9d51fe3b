// Echo servers a test makes on purpose, in a thread of the test: each echoes
// one connection probe by probe and can change, double, drop or delay any
// echo, stall for a while, or close early.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "echo/unique_fd.hpp"

namespace pingtest {

struct behaviour {
    std::size_t probe_size = 64;
    // What to send back for probe number `index` (the echo by default).
    std::function<std::string(std::uint64_t index, std::string probe)> answer;
    // Stop reading `stall_after` after the first byte, for `stall_for`.
    std::chrono::milliseconds stall_after{0};
    std::chrono::milliseconds stall_for{0};
    std::uint64_t close_after = 0; // close after this many probes; 0: never
};

class test_server {
public:
    explicit test_server(behaviour b);
    ~test_server();
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    [[nodiscard]] unsigned port() const noexcept { return port_; }

private:
    void serve();

    behaviour behaviour_;
    echo::unique_fd listener_;
    unsigned port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace pingtest
