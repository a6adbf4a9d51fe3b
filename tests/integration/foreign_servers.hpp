// Servers echo-client must get right without having been written for it:
// echo servers nobody here wrote (socat, openbsd-inetd's internal echo),
// socat made to misbehave, and servers the test scripts byte by byte. Each is
// a child or a thread of the test, on a free port of 127.0.0.1, gone when the
// object is. A server that cannot run here says why, for GTEST_SKIP().
#pragma once

#include "process.hpp"

#include "echo/unique_fd.hpp"

#include <functional>
#include <string>
#include <thread>

namespace itest {

using namespace std::chrono_literals;

// A server program started by the test.
struct foreign_server {
    test::process process;
    unsigned port = 0;
    std::string unavailable; // why it could not be started ("" when it runs)
};

// socat TCP-LISTEN:P,bind=127.0.0.1,reuseaddr,fork ADDRESS, e.g.
// "EXEC:/bin/cat" (an echo server) or "SYSTEM:tr a-z A-Z" (one that is not).
// Not "PIPE": socat then writes into a pipe only it reads, and a large
// stream can fill it while socat blocks in that write, deadlocked on itself.
// EXEC talks to cat over a socketpair, which socat only writes to when it is
// at least half empty. socat runs in a process group of its own, killed
// whole when the object goes, so no connection's child outlives the test.
[[nodiscard]] foreign_server start_socat(const test::temp_dir& dir, const std::string& address = "EXEC:/bin/cat");

// openbsd-inetd's internal echo. It serves only the service named "echo", so
// it runs (as root) in a private mount namespace whose /etc/services maps
// "echo" to a free port; -i keeps it in the foreground, a child of the test.
[[nodiscard]] foreign_server start_inetd(const test::temp_dir& dir);

// One connection served by `serve(fd, stop_fd)` on a thread of the test.
// `stop_fd` becomes readable when the object is destroyed: a server that
// holds a connection open waits on it (see hold_until_stopped).
class scripted_server {
public:
    using script = std::function<void(int connection, int stop_fd)>;
    explicit scripted_server(script serve);
    ~scripted_server();
    scripted_server(const scripted_server&) = delete;
    scripted_server& operator=(const scripted_server&) = delete;

    [[nodiscard]] unsigned port() const noexcept { return port_; }

private:
    echo::unique_fd listener_;
    echo::unique_fd stop_read_, stop_write_;
    unsigned port_ = 0;
    std::thread thread_;
};

// Helpers for scripts: read until the client's end of input (returns all of
// it); block until the test ends.
[[nodiscard]] std::string read_to_end_of_input(int connection);
void hold_until_stopped(int stop_fd);

} // namespace itest
