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

#include "config.hpp"
#include "options.hpp"

namespace echod {

// True when systemd runs echod: it will speak sd_notify or take sockets.
[[nodiscard]] bool under_systemd() noexcept;

// Runs echod as monitor and acceptor; returns the exit status (in both
// processes: each returns from main with its own).
[[nodiscard]] int run_split(config cfg, const command_line& cli);

} // namespace echod
