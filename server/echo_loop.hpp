// Moving a connection's bytes back to it: one write of everything each read
// returned, so short exchanges come back at once and streams in large pieces.
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
