// echod under systemd: two processes, the OpenBSD way (inetd, httpd, relayd
// separate the privileged or library-laden part from the part that works).
//
//   monitor   the process systemd knows as the main PID. It opens the
//             listening sockets (binds them, or takes them from systemd),
//             loads libsystemd once and keeps it, and passes on to systemd
//             what the acceptor reports: READY=1, RELOADING=1, STOPPING=1,
//             STATUS=, and the watchdog pings, which thereby vouch that the
//             acceptor is alive and its loop turning. SIGTERM, SIGINT and
//             SIGHUP it passes to the acceptor; it exits with its status.
//   acceptor  a child forked before libsystemd was ever loaded, so it never
//             maps it (Debian 13's libsystemd is linked -z nodelete: once
//             opened, dlclose() leaves it mapped, and every fork() per
//             connection would copy its ~35 mappings). It gets the sockets
//             over the control channel (control_channel.hpp) and is the
//             supervisor of the single-process mode: it accepts, forks a
//             child per connection, reaps, reloads and drains.
//
// Forked, not exec'd: the acceptor is made once, before anything is loaded,
// and never made again (if it dies, echod exits with a failure and systemd's
// Restart=on-failure starts both afresh), so an exec would buy nothing but a
// second binary to install and find. Without NOTIFY_SOCKET and LISTEN_FDS
// there is no systemd to talk to and no library to keep away: echod is then
// one process, the acceptor alone.
#pragma once

#include "config/config.hpp"
#include "echo/signals.hpp"
#include "echo/unique_fd.hpp"

#include <sys/types.h>

namespace echod {

// True when systemd runs echod: it will speak sd_notify or take sockets.
[[nodiscard]] bool under_systemd() noexcept;

// The monitor's loop, in the process systemd started, once the acceptor is
// forked (main.cpp): opens the listeners and sends them to the acceptor over
// `channel`, forwards what the acceptor reports to systemd and the signals
// in `signals` (blocked before the fork) to the acceptor. Returns the
// acceptor's exit status as echod's.
[[nodiscard]] int run_monitor(const config& cfg, pid_t acceptor, echo::unique_fd channel,
                              echo::signal_events& signals);

} // namespace echod
