// UDP echo servers nobody here wrote, started by a test on loopback:
// socat's UDP-RECVFROM with PIPE (a process per datagram) and udp_echo.py,
// which can drop, change or reorder datagrams on purpose. A server that
// cannot run here says why, for GTEST_SKIP().
#pragma once

#include "process.hpp"

#include <string>
#include <vector>

namespace udptest {

struct peer {
    test::process process;
    std::string address;
    unsigned port = 0;
    std::string unavailable; // why it could not be started ("" when it runs)
};

// `socat -b 65536 UDP-RECVFROM:P,bind=127.0.0.1,fork PIPE` on a free port;
// -b lifts socat's 8192-byte buffer, which would cut larger datagrams.
[[nodiscard]] peer start_socat(const test::temp_dir& dir);
// udp_echo.py on `address` (127.0.0.1 or ::1) with `options` such as
// {"--drop-every", "5"}.
[[nodiscard]] peer start_python(const test::temp_dir& dir, const std::string& address,
                                std::vector<std::string> options = {});

} // namespace udptest
