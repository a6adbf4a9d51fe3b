// What the ping mode prints: a line per probe (like ping(8)), the summary,
// both also as JSON, and the exit status the summary adds up to.
#pragma once

#include "matcher.hpp"
#include "settings.hpp"
#include "tally.hpp"

#include <cstdint>
#include <string>

namespace echo_client::ping {

// Exit statuses of the ping mode beyond the shared ones (echo/exit_status.hpp).
namespace ping_status {
inline constexpr int lost = 2;     // more probes lost than --max-loss allows (any, by default)
inline constexpr int too_slow = 3; // p99 above --max-p99
} // namespace ping_status

class report {
public:
    report(const settings& s, std::string server) : settings_(s), server_(std::move(server)) {}

    // Appends the line for one echo (nothing for --quiet).
    void echo_line(std::string& out, const verdict& v, std::uint64_t connect_ns = 0) const;
    void lost_line(std::string& out, std::uint64_t sequence, const char* why) const;
    void connect_failed_line(std::string& out, std::uint64_t sequence, const std::string& why) const;
    // --udp: the host answered a probe with ICMP port unreachable.
    void unreachable_line(std::string& out) const;
    // The summary; `final` is false for the one SIGQUIT asks for.
    void summary(std::string& out, const tally& t, bool final) const;

    // 1 when the connection broke or an echo was not what was sent; then
    // 69 (echo::exit_status::unavailable) when the host answered port
    // unreachable and no probe came back, as --udp without --ping says;
    // then ping_status::lost, then ping_status::too_slow, else 0.
    [[nodiscard]] int exit_status(const tally& t) const;

private:
    const settings& settings_;
    std::string server_;
};

} // namespace echo_client::ping
