#include "link_timeout.hpp"

#include "echo/error.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>

namespace echo_client {
namespace {

// The kernel refuses TCP_KEEPIDLE and TCP_KEEPINTVL above this (MAX_TCP_KEEPIDLE).
constexpr int max_keepalive_seconds = 32767;

void set_option(int socket, int level, int name, int value, const char* what)
{
    if (::setsockopt(socket, level, name, &value, sizeof value) < 0)
        echo::throw_errno(std::string("setsockopt ") + what);
}

} // namespace

void ask_link_to_answer(int socket, std::chrono::seconds limit)
{
    if (limit.count() == 0)
        return;
    const auto seconds = static_cast<int>(std::min<std::chrono::seconds::rep>(limit.count(), 1'000'000));
    // A third, then a sixth: two probes have gone unanswered by half of
    // `limit`, so link_watch's "two probes owed" holds well before its
    // silence does. Capped, so that every --link-timeout up to a day works.
    set_option(socket, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
    set_option(socket, IPPROTO_TCP, TCP_KEEPIDLE, std::clamp(seconds / 3, 1, max_keepalive_seconds), "TCP_KEEPIDLE");
    set_option(socket, IPPROTO_TCP, TCP_KEEPINTVL, std::clamp(seconds / 6, 1, max_keepalive_seconds),
               "TCP_KEEPINTVL");
    set_option(socket, IPPROTO_TCP, TCP_KEEPCNT, 6, "TCP_KEEPCNT");
}

link_watch::link_watch(int socket, std::chrono::seconds limit) noexcept : socket_(socket), limit_(limit) {}

int link_watch::look_every_ms() const noexcept
{
    if (limit_.count() == 0)
        return -1;
    // Often enough that the verdict comes within a quarter of `limit` of
    // the silence reaching it; once a second at most while idle.
    const auto quarter = std::chrono::duration_cast<std::chrono::milliseconds>(limit_) / 4;
    return static_cast<int>(std::min<std::chrono::milliseconds::rep>(quarter.count(), 1000));
}

bool link_watch::gone()
{
    if (limit_.count() == 0)
        return false;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_look_)
        return false;
    next_look_ = now + std::chrono::milliseconds(look_every_ms());
    tcp_info info{};
    socklen_t length = sizeof info;
    if (::getsockopt(socket_, IPPROTO_TCP, TCP_INFO, &info, &length) < 0)
        return false; // then the reader's read fails too and says why
    // tcpi_last_ack_recv moves with every acceptable ACK, answers to
    // keepalive and zero-window probes among them; tcpi_last_data_recv
    // with data (a server streaming its echo need not ACK anything new).
    const auto silent_ms = std::min(info.tcpi_last_ack_recv, info.tcpi_last_data_recv);
    // Segments sent and not acknowledged, or probes unanswered: the kernel
    // resets tcpi_probes to 0 on each ACK, so two means a probe's whole
    // interval passed without a word. A live peer behind a zero window
    // shows 0 unacked and 0 probes between its answers (measured on Linux
    // 6.18: unacked 0, probes 0, last_ack_recv up to the probe interval).
    const bool owed = info.tcpi_unacked > 0 || info.tcpi_probes >= 2;
    return owed && silent_ms >= static_cast<std::uint32_t>(limit_.count()) * 1000U;
}

} // namespace echo_client
