#include "reader.hpp"

#include "echo/io.hpp"
#include "echo/log.hpp"

#include <unistd.h>

#include <cstring>

namespace echo_client {

int copy_socket_to_stdout(int socket, std::atomic<std::uint64_t>& received) noexcept
{
    static char buffer[128 * 1024];
    for (;;) {
        const auto in = echo::read_some(socket, buffer);
        if (!in.ok()) {
            echo::logging::fatal(std::string("connection lost: ") + std::strerror(in.error));
            return reader_status::socket_error;
        }
        if (in.bytes == 0)
            return reader_status::server_closed;
        const auto out = echo::write_all(STDOUT_FILENO, {buffer, in.bytes});
        received.fetch_add(out.bytes, std::memory_order_relaxed);
        if (!out.ok()) {
            echo::logging::fatal(std::string("cannot write to standard output: ") + std::strerror(out.error));
            return reader_status::output_error;
        }
    }
}

} // namespace echo_client
