// echo-client --ping --new-connection: each probe on a connection of its
// own, the connect and the echo timed separately (what echoping does by
// default; what a load balancer's per-connection path costs). Still open
// loop: connections start on the schedule whatever earlier ones are doing.
// One process: the probes share no connection for a writer and a reader to
// split.
#pragma once

#include "settings.hpp"

#include "proxy_preamble.hpp"

#include "echo/address.hpp"
#include "echo/unique_fd.hpp"

#include <string>
#include <vector>

namespace echo_client::ping {

// `first` is the connection that showed the server answers; probes then go
// to the address it reached. With --proxy, each connection sends its PROXY
// header as soon as it is connected, just before its probe: the probe's
// round trip is timed from the connect's completion, as without --proxy,
// and so includes sending the header (a few dozen bytes, one send). Returns
// the exit status (report::exit_status, 128 + N after SIGTERM or SIGHUP).
[[nodiscard]] int run_new_connections(const settings& s, echo::unique_fd first, const std::string& server,
                                      const proxy_settings& proxy);

} // namespace echo_client::ping
