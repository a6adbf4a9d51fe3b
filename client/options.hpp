// echo-client's command line, through Boost.ProgramOptions.
#pragma once

#include "ping/settings.hpp"
#include "proxy_preamble.hpp"

#include <chrono>
#include <string>

namespace echo_client {

struct options {
    std::string host;
    std::string port;
    std::chrono::seconds connect_timeout{10}; // per address; 0: the kernel's own limit
    bool raw = false;              // --raw: no quit line, only end of input ends the input
    std::chrono::seconds wait{30}; // --wait: how long the server may leave us waiting; 0: forever
    // --link-timeout: a server silent this long while it owes an answer is gone
    // (link_timeout.hpp); 0: the kernel's limits. Below --wait's default, so that a
    // dead link is reported as one (status 1), not as a silent server (124).
    std::chrono::seconds link_timeout{20};
    bool udp = false; // --udp: datagrams over UDP instead of a TCP stream (with --ping too)
    proxy_settings proxy; // --proxy, --proxy-source: a PROXY header opens each TCP connection
    ping::settings ping; // --ping and its options
    bool help = false;
    bool version = false;
};

// Throws echo::fatal_error (exit status usage) on a bad option or value.
[[nodiscard]] options parse_command_line(int argc, const char* const argv[]);

[[nodiscard]] std::string help_text();

} // namespace echo_client
