// The UDP echo loop, run by the one UDP child (udp_service.hpp): each
// datagram that passes the guards (source_guard.hpp) and the buckets
// (rate_limiter.hpp) goes back whole to where it came from, sent from the
// address it was sent to. Datagrams are read and written in batches
// (recvmmsg/sendmmsg), so a flood costs few system calls.
#pragma once

#include "config/config.hpp"

#include <signal.h>

#include <span>

namespace echod::udp {

// Sets the signal actions of the UDP child: SIGTERM and SIGINT end the loop,
// SIGHUP and SIGUSR1 (the parent's and the prefork workers' business) are
// ignored. Call in the child before serve_datagrams().
void install_udp_signal_actions() noexcept;

// Serves `sockets` (bound UDP sockets, non-blocking) until SIGTERM or SIGINT.
// The signals stay blocked but while waiting for datagrams, when `wait_mask`
// is the mask: no stop request can fall between a check and the wait.
// Returns the exit status; logs what it echoed and refused at the end.
[[nodiscard]] int serve_datagrams(std::span<const int> sockets, const udp_settings& settings,
                                  const sigset_t& wait_mask);

} // namespace echod::udp
