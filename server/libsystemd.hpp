// libsystemd, mapped only while echod talks to systemd.
//
// echod forks a child per connection, and fork() copies every mapping of the
// parent while exit() tears each one down again. libsystemd.so.0 brings six
// more libraries with it (liblzma, libzstd, liblz4, libcap, libgcrypt,
// libgpg-error): 35 of the 84 mappings echod had when it linked libsystemd,
// paid for on every connection to send a few messages a second at most.
// So echod opens it with dlopen() for each exchange with systemd and closes it
// before it forks again; the calls are libsystemd's own (sd-daemon.h).
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
