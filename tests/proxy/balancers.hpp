// Real load balancers in front of echod, each started by the test on a free
// loopback port with a configuration written into the test's directory (no
// system service, nothing in /etc), and killed with its whole process group
// when the object goes, on failure too.
#pragma once

#include "process.hpp"

#include <string>

namespace ptest {

struct balancer {
    test::process process;
    unsigned port = 0;       // where clients connect
    std::string unavailable; // why it could not run ("" when it runs): for GTEST_SKIP()
    std::string log_file;
};

// HAProxy in TCP mode, relaying to 127.0.0.1:backend_port with `server_option`
// ("send-proxy" or "send-proxy-v2").
[[nodiscard]] balancer start_haproxy(const test::temp_dir& dir, unsigned backend_port,
                                     const std::string& server_option);

// nginx's stream module relaying to 127.0.0.1:backend_port with "proxy_protocol on" (v1).
[[nodiscard]] balancer start_nginx(const test::temp_dir& dir, unsigned backend_port);

} // namespace ptest
