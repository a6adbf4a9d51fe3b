// What a ping run counts. Every probe sent ends up echoed (an intact echo
// within --timeout: timed) or lost (no intact echo within --timeout), unless
// the run ends while it is still in flight. Corrupted, duplicated and late
// echoes are counted besides: a corrupted echo also leaves its probe lost.
#pragma once

#include "histogram.hpp"

#include <cstdint>
#include <string>

namespace echo_client::ping {

struct tally {
    std::uint64_t sent = 0;
    std::uint64_t echoed = 0;
    std::uint64_t lost = 0;
    std::uint64_t in_flight = 0;  // sent, neither echoed nor lost when the run ended
    std::uint64_t corrupted = 0;  // echoes with changed bytes, and runs of bytes that were no probe
    std::uint64_t duplicated = 0; // intact echoes of a probe already echoed
    std::uint64_t late = 0;       // intact echoes that came after --timeout (their probe is lost)
    std::uint64_t reordered = 0;  // intact echoes that came after the echo of a later probe (--udp)
    std::uint64_t connect_failures = 0; // --new-connection: probes whose connect failed (lost)
    std::uint64_t unreachable = 0; // --udp: ICMP port unreachable answers (their probes end lost)
    histogram round_trip;         // echoed probes: send to echo (after connect, with --new-connection)
    histogram connect;            // --new-connection: connect() start to established
    std::uint64_t elapsed_ns = 0; // first probe to now
    std::string broken;           // why the connection ended early ("" when it did not)

    // Percentage of the settled probes that were lost.
    [[nodiscard]] double loss_percent() const noexcept
    {
        const std::uint64_t settled = echoed + lost;
        return settled ? 100.0 * static_cast<double>(lost) / static_cast<double>(settled) : 0.0;
    }
};

} // namespace echo_client::ping
