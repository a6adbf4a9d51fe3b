// Moving a connection's bytes back to it: plain read/write for short
// exchanges, splice() through a pipe (no copy through user space) once the
// client streams.
#pragma once

#include "echo/io.hpp"

namespace echod {

struct echo_outcome {
    unsigned long long echoed = 0;
    int error = 0;           // 0: the client closed its side
    bool while_sending = false; // the error came from sending back
};

// Echoes until end of file, an error, or `stop` (then error is EINTR).
[[nodiscard]] echo_outcome echo_until_done(int fd, echo::stop_flag stop) noexcept;

} // namespace echod
