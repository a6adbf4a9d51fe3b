#include "link_timeout.hpp"

#include "echo/error.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>

namespace echo_client {
namespace {

void set_option(int socket, int level, int name, int value, const char* what)
{
    if (::setsockopt(socket, level, name, &value, sizeof value) < 0)
        echo::throw_errno(std::string("setsockopt ") + what);
}

} // namespace

void end_dead_link_after(int socket, std::chrono::seconds limit)
{
    if (limit.count() == 0)
        return;
    const auto seconds = static_cast<int>(limit.count());
    // With TCP_USER_TIMEOUT set, the kernel ends a connection whose keepalive
    // probes go unanswered once `limit` has passed since the peer was last
    // heard, whatever TCP_KEEPCNT says; the count only matters without it.
    set_option(socket, IPPROTO_TCP, TCP_USER_TIMEOUT, seconds * 1000, "TCP_USER_TIMEOUT");
    set_option(socket, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
    set_option(socket, IPPROTO_TCP, TCP_KEEPIDLE, std::max(1, seconds / 2), "TCP_KEEPIDLE");
    set_option(socket, IPPROTO_TCP, TCP_KEEPINTVL, std::max(1, seconds / 6), "TCP_KEEPINTVL");
    set_option(socket, IPPROTO_TCP, TCP_KEEPCNT, 6, "TCP_KEEPCNT");
}

} // namespace echo_client
