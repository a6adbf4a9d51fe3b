// Which TCP listeners expect a PROXY header (--proxy-protocol): all of them,
// or those whose bound address is named. Matched by the address the socket
// is bound to, so sockets that systemd passed are named the same way as
// those echod bound itself.
#pragma once

#include "config/config.hpp"
#include "listen/listeners.hpp"

#include <vector>

namespace echod {

// Sets listener::proxy. Throws echo::fatal_error (usage) when a named
// address is no TCP listener's: a balancer's port left without PROXY would
// read its header as data and echo it.
void mark_proxy_listeners(std::vector<listener>& listeners, const proxy_settings& settings);

} // namespace echod
