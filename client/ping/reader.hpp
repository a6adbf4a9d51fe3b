// The reading child of the ping mode: frames the echoes, matches and times
// them, declares losses, prints every line and the summary. It owns the
// statistics, so it is the process that prints them, on SIGQUIT too.
#pragma once

#include "settings.hpp"
#include "probe_book.hpp"

#include "echo/signals.hpp"

#include <sys/types.h>

#include <string>

namespace echo_client::ping {

// Writes to `ready` (an eventfd) once it is set up and reading, so the
// writer's first probe does not pay for the reader's start. Runs until
// --count probes are settled, the connection ends, or SIGINT,
// SIGTERM or SIGHUP; returns the exit status (see report::exit_status;
// 128 + N after SIGTERM or SIGHUP).
[[nodiscard]] int run_reader(int socket, int ready, echo::signal_events& signals, probe_records& book,
                             const settings& s, const std::string& server);

} // namespace echo_client::ping
