#include "listen/listeners.hpp"
#include "listen/libsystemd.hpp"
#include "listen/datagram_socket.hpp"

#include "echo/address.hpp"
#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/log.hpp"
#include "echo/protocol.hpp"
#include "echo/socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstdlib>
#include <cstring>
#include <optional>

namespace echod {
namespace {

namespace status = echo::exit_status;

std::vector<listener> take_from_systemd(const libsystemd& systemd, int count)
{
    std::vector<listener> out;
    for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + count; ++fd) {
        echo::unique_fd owned(fd);
        const int r = systemd.is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0);
        // A datagram socket (ListenDatagram=) is for UDP echo; unbound (port 0) it could serve nobody.
        const bool datagram = r == 0 && systemd.is_socket_inet(fd, AF_UNSPEC, SOCK_DGRAM, -1, 0) > 0 &&
                              echo::local_port_of(fd) != 0;
        if (r <= 0 && !datagram)
            throw echo::fatal_error(status::config,
                                    "file descriptor " + std::to_string(fd) +
                                        " passed by systemd is not a listening TCP socket or a bound UDP socket" +
                                        (r < 0 ? std::string(": ") + std::strerror(-r) : std::string()) +
                                        " (check ListenStream= and ListenDatagram= in the .socket units)");
        const int flags = ::fcntl(fd, F_GETFL);
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        out.push_back({std::move(owned), echo::local_address_of(fd), false, datagram});
    }
    return out;
}

echo::fatal_error explain(const echo::listen_error& e)
{
    switch (e.error()) {
    case EADDRINUSE:
        return {status::unavailable, std::string(e.what()) + " (is another server running?)"};
    case EACCES:
    case EPERM:
        return {status::no_permission,
                std::string(e.what()) +
                    " (ports below 1024 need root or CAP_NET_BIND_SERVICE; try a port of 1024 or more, "
                    "e.g. --listen :7777)"};
    case EADDRNOTAVAIL:
        return {status::no_host, std::string(e.what()) + " (no interface has that address)"};
    default:
        return {status::failure, e.what()};
    }
}

// Binds every address each of `texts` resolves to with `bind`.
template <typename Bind>
void bind_each(std::vector<listener>& out, const std::vector<std::string>& texts, const std::string& option,
               bool datagram, Bind bind)
{
    for (const auto& text : texts) {
        std::vector<echo::socket_address> addresses;
        try {
            addresses = echo::resolve(echo::parse_endpoint(text, echo::protocol::default_port),
                                      echo::resolve_for::listening);
        } catch (const echo::address_error& e) {
            throw echo::fatal_error(status::usage, option + e.what());
        } catch (const echo::resolve_error& e) {
            throw echo::fatal_error(status::no_host, option + text + ": " + e.what());
        }
        for (const auto& address : addresses) {
            try {
                echo::unique_fd fd = bind(address);
                std::string name = echo::local_address_of(fd.get());
                out.push_back({std::move(fd), std::move(name), true, datagram});
            } catch (const echo::listen_error& e) {
                throw explain(e);
            }
        }
    }
}

} // namespace

std::vector<listener> open_listeners(const config& cfg, bool& socket_activated)
{
    socket_activated = false;
    if (std::getenv("LISTEN_FDS") != nullptr || std::getenv("LISTEN_PID") != nullptr) {
        std::optional<libsystemd> systemd;
        try {
            systemd.emplace();
        } catch (const libsystemd::unavailable& e) {
            throw echo::fatal_error(status::config, std::string("cannot take sockets from systemd: ") + e.what());
        }
        // Unset LISTEN_* so that nothing we start later mistakes them for its own.
        const int passed = systemd->listen_fds(1);
        if (passed < 0)
            throw echo::fatal_error(status::config, std::string("cannot take sockets from systemd: ") +
                                                        std::strerror(-passed));
        socket_activated = passed > 0;
        if (socket_activated) {
            if (cfg.listen_given)
                throw echo::fatal_error(status::usage,
                                        "--listen cannot be used when systemd passes the listening sockets "
                                        "(socket activation); set ListenStream= in echod.socket instead");
            if (cfg.listen_udp_given)
                throw echo::fatal_error(status::usage,
                                        "--listen-udp cannot be used when systemd passes the listening sockets "
                                        "(socket activation); enable echod-udp.socket instead");
            auto passed_sockets = take_from_systemd(*systemd, passed);
            if (!cfg.listen_udp.empty())
                echo::log(echo::log_level::warning, "listen-udp in ", cfg.config_path,
                          " is not used when systemd passes the sockets; UDP echo comes from ListenDatagram= "
                          "sockets (echod-udp.socket)");
            return passed_sockets;
        }
    }

    std::vector<listener> out;
    bind_each(out, cfg.listen, "--listen ", false,
              [&cfg](const echo::socket_address& a) { return echo::listen_on(a, cfg.backlog); });
    bind_each(out, cfg.listen_udp, "--listen-udp ", true, bind_datagram_socket);
    return out;
}

void set_connection_options(const std::vector<listener>& listeners, std::chrono::seconds idle_timeout)
{
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(idle_timeout.count());
    const int on = 1;
    // A failure here would not show until much later: without SO_RCVTIMEO a
    // silent client holds its child for ever.
    const auto set = [](const listener& l, int level, int name, const void* value, socklen_t size,
                        const char* what) {
        if (::setsockopt(l.fd.get(), level, name, value, size) != 0)
            echo::throw_errno(std::string("setsockopt ") + what + " on " + l.name);
    };
    for (const auto& l : listeners) {
        set(l, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on, "TCP_NODELAY");
        set(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv, "SO_RCVTIMEO (idle-timeout)");
        set(l, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv, "SO_SNDTIMEO (idle-timeout)");
    }
}

void stop_listening(std::vector<listener>& listeners) noexcept
{
    for (auto& l : listeners)
        if (l.ours)
            // On Linux this turns the socket back from listening: pending and
            // new clients are refused, and accept() fails in other holders.
            ::shutdown(l.fd.get(), SHUT_RDWR);
    listeners.clear();
}

std::string describe(const std::vector<listener>& listeners)
{
    std::string text;
    for (const auto& l : listeners) {
        if (!text.empty())
            text += ", ";
        text += l.name;
    }
    return text;
}

} // namespace echod
