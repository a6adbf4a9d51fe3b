#include "echo_loop.hpp"

#include "echo/child_path.hpp"
#include "echo/io.hpp"

#include <cerrno>

namespace echod {
namespace {

// As large as coreutils' cat reads. In .bss: the parent never touches it, so
// fork() copies nothing for it and each child faults in only the pages its
// reads fill (one for a short exchange, all of it for a stream).
//
// splice() through a pipe was tried for streams and measured slower on one
// connection streaming both ways (echo-bench bulk, same session: splice with
// a 256 KiB pipe 880-910 MB/s; read/write with 128 KiB 1,100-1,220 MB/s), so
// a plain copy it is.
alignas(4096) char buffer[128 * 1024];

} // namespace

ECHO_CHILD_PATH echo_outcome echo_until_done(int fd, echo::stop_flag stop) noexcept
{
    echo_outcome out;
    for (;;) {
        if (*stop) {
            out.error = EINTR;
            return out;
        }
        const auto in = echo::read_some(fd, buffer, stop);
        if (!in.ok() || in.bytes == 0) {
            out.error = in.error;
            return out;
        }
        // One write per read: the client sees its data back at once.
        const auto sent = echo::send_all(fd, {buffer, in.bytes}, stop);
        out.echoed += sent.bytes;
        if (!sent.ok()) {
            out.error = sent.error;
            out.while_sending = true;
            return out;
        }
    }
}

} // namespace echod
