// libsystemd, opened with dlopen() so that only the process that talks to
// systemd maps it.
//
// echod forks a child per connection, and fork() copies every mapping of the
// parent while exit() tears each one down again. libsystemd.so.0 brings six
// more libraries with it (liblzma, libzstd, liblz4, libcap, libgcrypt,
// libgpg-error): 35 of the 84 mappings echod had when it linked libsystemd.
// Under systemd the process that forks (the acceptor) is forked before this
// is ever opened, and only the monitor opens it (monitor.hpp): to take the
// sockets systemd passed, and once for good to notify. Closing it again is
// no defence: Debian 13's libsystemd is linked -z nodelete and stays mapped.
// The calls are libsystemd's own (sd-daemon.h).
#pragma once

#include <systemd/sd-daemon.h>

#include <stdexcept>

namespace echod {

class libsystemd {
public:
    // Throws libsystemd::unavailable naming the library and dlerror()'s reason.
    libsystemd();
    ~libsystemd();
    libsystemd(const libsystemd&) = delete;
    libsystemd& operator=(const libsystemd&) = delete;

    struct unavailable : std::runtime_error {
        using std::runtime_error::runtime_error;
    };

    decltype(&::sd_notify) notify = nullptr;
    decltype(&::sd_listen_fds) listen_fds = nullptr;
    decltype(&::sd_is_socket_inet) is_socket_inet = nullptr;
    decltype(&::sd_watchdog_enabled) watchdog_enabled = nullptr;

private:
    void* handle_ = nullptr;
};

} // namespace echod
