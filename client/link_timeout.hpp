// How a connected client tells a server that is gone for good from one that
// is only slow. A peer that vanished without a reset (a cable pulled, a host
// powered off) sends nothing ever again, so a client whose input is idle
// would wait forever and one with data in flight would wait out TCP's
// retransmissions (about 15 minutes with the default net.ipv4.tcp_retries2).
//
// TCP_USER_TIMEOUT is not the tool: it also ends a connection whose unsent
// data waits behind a zero window for that long, though the peer's kernel
// answers every window probe (a live server that stopped reading, which
// --wait reports as stalled, status 124). So the client asks the link to
// answer (keepalive probes while idle; the kernel's own retransmissions and
// zero-window probes otherwise) and judges the answers itself from TCP_INFO.
#pragma once

#include <chrono>

namespace echo_client {

// Keepalive probes on `socket` so that an idle connection is tested too: the
// first after a third of `limit` of silence, then every sixth of it. The
// kernel's own end of an unanswered keepalive (6 probes) lies past `limit`,
// so link_watch speaks first. A zero `limit` sets nothing. Throws
// std::system_error if the socket refuses an option.
void ask_link_to_answer(int socket, std::chrono::seconds limit);

// Looks at the socket's TCP_INFO now and then: the link is gone when the
// peer owes an answer (data unacknowledged, or two keepalive or window
// probes in a row unanswered) and nothing at all, neither an ACK nor data,
// has come from it for `limit`. A peer that answers window probes keeps
// resetting the probe count and never owes data, however long its window
// stays shut; a dead link keeps owing and stays silent.
class link_watch {
public:
    link_watch(int socket, std::chrono::seconds limit) noexcept;

    // Milliseconds the caller may sleep before the next look; -1 (forever)
    // with a zero limit.
    [[nodiscard]] int look_every_ms() const noexcept;
    // Looks (at most once per look_every_ms) and returns true once the link
    // is gone; false with a zero limit or if TCP_INFO cannot be read.
    [[nodiscard]] bool gone();
    [[nodiscard]] std::chrono::seconds limit() const noexcept { return limit_; }

private:
    int socket_;
    std::chrono::seconds limit_;
    std::chrono::steady_clock::time_point next_look_{};
};

} // namespace echo_client
