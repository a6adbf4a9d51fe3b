// echo-client --ping: the mode's entry point.
#pragma once

#include "settings.hpp"

#include "proxy_preamble.hpp"

#include "echo/address.hpp"

#include <chrono>
#include <vector>

namespace echo_client::ping {

// Connects (the first address that answers, as the stream mode does), then
// pings over that connection, or over a new one per probe with
// --new-connection. Returns the exit status; connect failures before the
// first probe throw echo::connect_error as the stream mode's do. With
// --proxy, each TCP connection opens with a PROXY header (`proxy`).
[[nodiscard]] int run(const settings& s, const std::vector<echo::socket_address>& addresses,
                      std::chrono::milliseconds connect_timeout, const proxy_settings& proxy);

} // namespace echo_client::ping
