// echod's configuration: what the command line and /etc/echod.conf set.
#pragma once

#include "config/cidr.hpp"

#include "echo/log.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace echod {

// The limits of UDP echo (--udp-*): what one source, and all of them
// together, may make echod send. Echo answers every datagram with one as
// large, so whoever can spoof a source address can aim echod at a victim;
// these buckets bound what such a victim gets. 0 means no limit.
struct udp_settings {
    unsigned rate_per_source = 200;          // datagrams a second from one IPv4 address or IPv6 /64
    unsigned long bytes_per_source = 1'000'000; // payload bytes a second from one source
    unsigned rate_total = 20'000;            // datagrams a second from all sources together
    unsigned long bytes_total = 100'000'000; // payload bytes a second from all sources together
    friend bool operator==(const udp_settings&, const udp_settings&) = default;
};

// What a session (one connection's child) needs, from the options to the
// child in one piece: a new per-connection setting is a field here, its
// option in options.cpp, and its use in session/. A reload reaches the
// sessions already open too (session/session.hpp).
struct session_settings {
    std::chrono::seconds idle_timeout{300}; // 0 = none
    friend bool operator==(const session_settings&, const session_settings&) = default;
};

// Limits that protect the host; all can change on reload (SIGHUP).
struct limits {
    unsigned max_connections = 512;   // children at once; at the limit the parent stops accepting
    unsigned max_per_source = 64;     // connections per client address (IPv6: per /64); 0 = no limit
    std::chrono::seconds shutdown_timeout{5};  // grace for connections on SIGTERM
    friend bool operator==(const limits&, const limits&) = default;
};

// The PROXY protocol (proxy/): off unless --proxy-protocol names listeners,
// so an upgrade changes nothing. Who may send a header is --proxy-from.
struct proxy_settings {
    // --proxy-protocol values: "all" (every TCP listener) or listen addresses
    // ("127.0.0.1:7007", "[::]:7"), matched against the listeners' bound
    // addresses at start (sockets from systemd too). Empty: off.
    std::vector<std::string> listeners;
    std::vector<cidr> trusted;               // --proxy-from: balancers allowed to send a header
    std::chrono::seconds header_timeout{5};  // --proxy-timeout: the whole header within this
    [[nodiscard]] bool enabled() const noexcept { return !listeners.empty(); }
    friend bool operator==(const proxy_settings&, const proxy_settings&) = default;
};

struct config {
    std::vector<std::string> listen{"[::]:7"};
    bool listen_given = false; // --listen was on the command line
    // UDP echo (udp/): off unless an address is given, so an upgrade changes nothing.
    std::vector<std::string> listen_udp;
    bool listen_udp_given = false; // --listen-udp was on the command line
    udp_settings udp;
    int backlog = 1024;
    echo::log_level log_level = echo::log_level::info;
    // Per-connection lines a second at most (0: no limit); see connection_log.hpp
    // for why 300 keeps a service within journald's default rate limit.
    unsigned connection_log_rate = 300;
    struct limits limits;
    session_settings session;
    unsigned prefork = 0;               // children kept waiting in accept(); 0 = fork per connection
    unsigned connections_per_child = 1; // with prefork: connections a child serves before it exits
    proxy_settings proxy;
    std::string config_path = "/etc/echod.conf";
};

} // namespace echod
