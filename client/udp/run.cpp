#include "run.hpp"

#include "datagram_book.hpp"
#include "datagram_writer.hpp"
#include "echo_reader.hpp"
#include "socket.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/signals.hpp"
#include "echo/socket.hpp"

#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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
    const pid_t parent = ::getpid();
    const pid_t reader = ::fork();
    if (reader < 0)
        throw echo::fatal_error(echo::exit_status::os_error, std::string("cannot fork: ") + std::strerror(errno));
    if (reader == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive the writer
        signals.release_in_child();
        if (::getppid() != parent)
            ::_exit(reader_status::socket_error);
        ::close(STDIN_FILENO);
        const int status = run_echo_reader(socket.get(), wake.get(), room.get(), book, timeout);
        std::fflush(nullptr);
        ::_exit(status);
    }
    const writer_setup setup{socket.get(), wake.get(), room.get(), reader, server, raw, timeout};
    return run_datagram_writer(setup, signals, book);
}

} // namespace echo_client::udp
