// Exit statuses shared by echod and echo-client, after sysexits(3) so that
// scripts can tell a usage error from an unreachable host. Each is documented
// in the EXIT STATUS section of the man pages.
#pragma once

namespace echo::exit_status {

inline constexpr int ok = 0;
inline constexpr int failure = 1;        // runtime failure; client: data or connection lost
inline constexpr int usage = 64;         // bad option or value (EX_USAGE)
inline constexpr int no_input = 66;      // a named file cannot be read (EX_NOINPUT)
inline constexpr int no_host = 68;       // a name does not resolve / address not here (EX_NOHOST)
inline constexpr int unavailable = 69;   // address in use; client: connection refused (EX_UNAVAILABLE)
inline constexpr int software = 70;      // internal error, e.g. a broken invariant (EX_SOFTWARE)
inline constexpr int os_error = 71;      // fork or another system call failed (EX_OSERR)
inline constexpr int io_error = 74;      // stdin/stdout error, e.g. EPIPE (EX_IOERR)
inline constexpr int timeout = 75;       // client: connect timed out (EX_TEMPFAIL)
inline constexpr int not_an_echo = 76;   // client: the echo differs from what was sent, or is longer (EX_PROTOCOL)
inline constexpr int no_permission = 77; // privileged port without privilege (EX_NOPERM)
inline constexpr int config = 78;        // configuration file error (EX_CONFIG)
inline constexpr int wait_expired = 124; // client: --wait ran out (124, as timeout(1) exits)
inline constexpr int signal_base = 128;  // ended by signal N: 128 + N

} // namespace echo::exit_status
