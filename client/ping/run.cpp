#include "run.hpp"

#include "new_connection.hpp"
#include "reader.hpp"
#include "probe_book.hpp"
#include "writer.hpp"

#include "fork_reader.hpp"
#include "datagram_socket.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"
#include "echo/signals.hpp"
#include "echo/socket.hpp"

#include <sys/eventfd.h>
#include <cstring>

namespace echo_client::ping {
namespace {

// "PING 127.0.0.1:7: 64-byte probes every 1 s", as ping(8) starts.
void print_banner(const settings& s, const std::string& server)
{
    if (s.quiet || s.json)
        return;
    char every[64];
    if (s.interval.count() == 0)
        std::snprintf(every, sizeof every, "as fast as the socket takes them");
    else
        std::snprintf(every, sizeof every, "every %g s", static_cast<double>(s.interval.count()) / 1e9);
    const std::string line = "PING " + server + ": " + std::to_string(s.size) + "-byte probes " + every +
                             (s.new_connection ? ", each on a new connection" : "") + (s.udp ? ", over UDP" : "") + "\n";
    const auto r = echo::write_all(STDOUT_FILENO, line);
    if (!r.ok())
        throw echo::fatal_error(echo::exit_status::io_error,
                                std::string("cannot write to standard output: ") + std::strerror(r.error));
}

} // namespace

int run(const settings& s, const std::vector<echo::socket_address>& addresses,
        std::chrono::milliseconds connect_timeout, const proxy_settings& proxy)
{
    if (s.new_connection) {
        auto first = echo::connect_to_any(addresses, connect_timeout);
        // It carries no probe, but a header all the same: a PROXY listener
        // would count a connection closed without one as a bad header.
        send_proxy_header(first.get(), proxy);
        const std::string server = echo::peer_address_of(first.get());
        print_banner(s, server);
        return run_new_connections(s, std::move(first), server, proxy);
    }
    echo::unique_fd socket;
    if (s.udp) {
        socket = connect_datagram(addresses);
    } else {
        socket = echo::connect_to_any(addresses, connect_timeout);
        echo::set_no_delay(socket.get());
        send_proxy_header(socket.get(), proxy); // before the first probe; the reader never sees it
    }
    const std::string server = echo::peer_address_of(socket.get());
    print_banner(s, server);

    probe_book book;
    const echo::unique_fd ready(::eventfd(0, EFD_CLOEXEC));
    if (!ready)
        echo::throw_errno("eventfd");
    // Blocked before fork, so neither process can miss one; the reader
    // inherits the mask and reads its own signals from the same signalfd.
    echo::signal_events signals({SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1});
    const pid_t reader = fork_reader(echo::exit_status::failure, [&] {
        return run_reader(socket.get(), ready.get(), signals, book.get(), s, server);
    });
    return run_writer(socket.get(), ready.get(), signals, reader, book.get(), s);
}

} // namespace echo_client::ping
