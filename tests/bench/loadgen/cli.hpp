// echo-bench's command line: a mode, then --key value options. Parsed by
// hand so the load generator needs nothing beyond the project's own library.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace bench {

struct options {
    std::string mode;
    std::string host = "127.0.0.1";
    unsigned port = 0;
    // rate: concurrent clients; latency, bulk: persistent connections; hold:
    // idle connections to open; udp-rate: UDP sockets.
    unsigned connections = 0;
    // rate: bytes echoed per session; latency: message size; bulk: bytes per
    // send(); hold: bytes of the one verifying echo; udp-rate, udp-probe:
    // bytes per datagram.
    std::size_t size = 0;
    // Measuring time; hold: time allowed to open and verify every connection.
    // Zero until parsed: then 2 s, or 60 s for hold.
    std::chrono::milliseconds duration{0};
    // rate: sessions; latency: round trips; 0 = only --duration bounds it.
    std::uint64_t count = 0;
    // Source addresses 127.0.0.2 .. 127.0.0.(1+sources) for IPv4 targets.
    unsigned sources = 16;
    // Give up when nothing moves for this long (connects, echoes, drains).
    std::chrono::milliseconds timeout{10000};
    // hold: the server's main process, whose tree's PSS is measured.
    pid_t server_pid = 0;
    // hold: connects (and verifying echoes) in flight at once.
    unsigned parallel = 128;
    // hold: pause between the last connection and the memory reading.
    std::chrono::milliseconds settle{1000};
    // hold: processes that hold the connections, each from its own block of
    // --sources addresses (a process may open 20,000 descriptors at most);
    // 0: one per 10,000 connections.
    unsigned workers = 0;
    // hold: at the end, connections closed at a time, and the pause after
    // each batch, so the server's children do not all exit at once.
    unsigned close_batch = 1000;
    std::chrono::milliseconds close_pause{250};
    // hold: how long the server may take to reap its children after the
    // connections closed (it must be back to the children it had before).
    std::chrono::milliseconds drain{120000};
    // latency: each connection sends its next message `interval` after its
    // previous one (or at once if the echo took longer), as a prober on a
    // schedule does; 0: as soon as the echo is back (a busy loop).
    std::chrono::microseconds interval{0};
    // udp-rate: datagrams each socket keeps in flight.
    unsigned window = 16;
    // udp-rate: a datagram not echoed this long after it was sent is lost.
    std::chrono::milliseconds loss_timeout{1000};
};

// Parses argv; throws usage_error with a message on anything wrong, including
// a target outside 127.0.0.0/8 and ::1.
[[nodiscard]] options parse_command_line(int argc, char** argv);

[[nodiscard]] const char* usage_text();

} // namespace bench
