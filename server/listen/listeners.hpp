// The listening sockets: bound from --listen, or passed by systemd (socket
// activation).
#pragma once

#include "config/config.hpp"

#include "echo/unique_fd.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace echod {

struct listener {
    echo::unique_fd fd; // non-blocking, close-on-exec
    std::string name;   // "[::]:7" as bound, for logs and status
    bool ours = true;   // bound by echod, not passed by systemd
    bool datagram = false; // a UDP socket (--listen-udp, ListenDatagram=): served by udp/
    bool proxy = false;    // --proxy-protocol: connections start with a PROXY header (proxy/)
};

// Sets what every accepted connection inherits from its listener, so that no
// child spends system calls on it: TCP_NODELAY (an echo answers each read
// with one write and must not wait for a delayed ACK), and the idle timeout
// as SO_RCVTIMEO/SO_SNDTIMEO (0: none). Called again on reload. Throws
// std::system_error naming the option and the listener when one cannot be
// set, so a silently missing idle timeout cannot happen.
void set_connection_options(const std::vector<listener>& listeners, std::chrono::seconds idle_timeout);

// Stops listening on every socket echod bound itself, in every process that
// holds it (prefork workers too), and closes them all. Sockets systemd passed
// stay listening: systemd queues clients there for the next activation.
void stop_listening(std::vector<listener>& listeners) noexcept;

// Takes the sockets systemd passed (LISTEN_FDS), or binds cfg.listen (TCP)
// and cfg.listen_udp (UDP) when there are none. Passed sockets are told
// apart by their type: listening TCP sockets, and bound UDP sockets for UDP
// echo. Throws echo::fatal_error with the exit status for the cause: address
// in use, no permission for a low port, an address that is not here, a
// passed socket that is neither, or --listen or --listen-udp given together
// with passed sockets.
[[nodiscard]] std::vector<listener> open_listeners(const config& cfg, bool& socket_activated);

[[nodiscard]] std::string describe(const std::vector<listener>& listeners);

} // namespace echod
