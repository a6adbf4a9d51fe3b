// The writing parent of the ping mode: sends a probe every --interval on a
// fixed schedule, whatever the echoes do (open loop), and never reads.
#pragma once

#include "settings.hpp"
#include "probe_book.hpp"

#include "echo/signals.hpp"

#include <sys/types.h>

namespace echo_client::ping {

// Waits until the reader writes to `ready` (an eventfd), then sends until
// --count probes are out, then waits for the reader; passes the
// signals that end a run (and SIGQUIT) on to it. Returns the reader's exit
// status.
[[nodiscard]] int run_writer(int socket, int ready, echo::signal_events& signals, pid_t reader, probe_records& book,
                             const settings& s);

} // namespace echo_client::ping
