#include "run.hpp"

#include "datagram_book.hpp"
#include "datagram_writer.hpp"
#include "echo_reader.hpp"

#include "datagram_socket.hpp"
#include "fork_reader.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/signals.hpp"
#include "echo/socket.hpp"

#include <sys/eventfd.h>

namespace echo_client::udp {
namespace {

echo::unique_fd make_eventfd()
{
    echo::unique_fd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!fd)
        echo::throw_errno("eventfd");
    return fd;
}

} // namespace

int run(const std::vector<echo::socket_address>& addresses, bool raw, std::chrono::nanoseconds timeout)
{
    const auto socket = connect_datagram(addresses);
    const std::string server = echo::peer_address_of(socket.get());
    datagram_book book;
    const auto wake = make_eventfd();
    const auto room = make_eventfd();
    // Blocked before fork, so no SIGCHLD can be missed.
    echo::signal_events signals({SIGCHLD, SIGINT, SIGTERM, SIGHUP});
    const pid_t reader = fork_reader(reader_status::socket_error, [&] {
        signals.release_in_child();
        return run_echo_reader(socket.get(), wake.get(), room.get(), book.get(), timeout);
    });
    const writer_setup setup{socket.get(), wake.get(), room.get(), reader, server, raw, timeout};
    return run_datagram_writer(setup, signals, book.get());
}

} // namespace echo_client::udp
