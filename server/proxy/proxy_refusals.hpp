// What the PROXY listeners refused: counted for STATUS= and logged, each
// kind at most once a second (a flood from an untrusted host, or a balancer
// misconfigured to send no header, must not flood the log).
#pragma once

#include "limits/peer_address.hpp"
#include "logging/log_throttle.hpp"
#include "proxy/header_wait.hpp"

#include "echo/proxy_parse.hpp"

#include <array>
#include <chrono>
#include <string>

namespace echod {

class proxy_refusals {
public:
    explicit proxy_refusals(std::chrono::seconds timeout) : timeout_(timeout) {}

    void set_timeout(std::chrono::seconds timeout) noexcept { timeout_ = timeout; }

    // A peer outside --proxy-from sent to a PROXY listener.
    void untrusted(const peer_address& peer);
    // More connections wait for their header than header_wait holds.
    void too_many_waiting(const peer_address& peer);
    // A waiting connection closed: refused, truncated or timed out.
    void failed(const header_wait::result& r);

    [[nodiscard]] unsigned long long total() const noexcept { return total_; }

private:
    std::chrono::seconds timeout_;
    unsigned long long total_ = 0;
    log_throttle untrusted_log_, full_log_, truncated_log_, timeout_log_;
    std::array<log_throttle, echo::proxy::refusal_count> refused_log_;
};

} // namespace echod
