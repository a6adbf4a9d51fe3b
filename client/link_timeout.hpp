// How a connected client notices that its server is gone for good: a peer
// that vanished without a reset (a cable pulled, a host powered off) sends
// nothing ever again, so a client whose input is idle would wait forever and
// one with data in flight would wait out TCP's retransmissions (about 15
// minutes with the default net.ipv4.tcp_retries2).
#pragma once

#include <chrono>

namespace echo_client {

// Makes the kernel end the connection on `socket` with ETIMEDOUT once the
// server has acknowledged nothing for `limit`: TCP_USER_TIMEOUT for data in
// flight, and keepalive probes (the first after half of `limit` of silence,
// then every sixth of it) so an idle connection is tested too. The
// connection then ends within `limit` plus one probe interval of the last
// thing the server sent. A zero `limit` leaves the kernel's own limits.
// Throws std::system_error if the socket refuses an option.
void end_dead_link_after(int socket, std::chrono::seconds limit);

} // namespace echo_client
