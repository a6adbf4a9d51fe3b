// Echo servers nobody here wrote, started by a test on a free high port of
// 127.0.0.1: socat's PIPE, openbsd-inetd's internal echo, and the
// benchmark's single-process epoll reference. A peer that cannot run here
// says why, for GTEST_SKIP().
#pragma once

#include "process.hpp"

#include <string>

namespace pingtest {

using namespace std::chrono_literals;

struct peer {
    test::process process;
    unsigned port = 0;
    std::string unavailable; // why it could not be started ("" when it runs)
};

// A port nothing listened on a moment ago.
[[nodiscard]] unsigned free_port();
// True once 127.0.0.1:port accepts a connection.
[[nodiscard]] bool accepts(unsigned port, std::chrono::milliseconds deadline = 10s);

// `socat TCP-LISTEN:P,bind=127.0.0.1,reuseaddr,fork PIPE`
[[nodiscard]] peer start_socat(const test::temp_dir& dir);
// openbsd-inetd's internal echo: it serves only the service named "echo", so
// it runs in a private mount namespace where /etc/services maps "echo" to P.
[[nodiscard]] peer start_inetd(const test::temp_dir& dir);
// tests/bench/reference/epoll_server.c
[[nodiscard]] peer start_epoll_reference(const test::temp_dir& dir);

[[nodiscard]] std::string echo_bench_binary();

} // namespace pingtest
