#include "monitor/control_channel.hpp"

#include "echo/error.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace echod {
namespace {

// sd_notify messages are short; listener names too (up to 253 sockets, SCM_MAX_FD).
constexpr std::size_t max_message = 16 * 1024;
constexpr std::size_t max_fds = 253;

} // namespace

void make_channel(echo::unique_fd& one_end, echo::unique_fd& other_end)
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
        echo::throw_errno("socketpair");
    one_end.reset(fds[0]);
    other_end.reset(fds[1]);
}

void send_start(int channel, const acceptor_start& start)
{
    if (start.listeners.size() > max_fds)
        throw std::runtime_error("too many listening sockets to hand over (" +
                                 std::to_string(start.listeners.size()) + ", at most 253)");
    // "ACTIVATED NOTIFY WATCHDOG_USEC\n" then "OURS DATAGRAM NAME\n" per socket, in fd order.
    std::string text = std::to_string(start.socket_activated) + " " + std::to_string(start.notify) + " " +
                       std::to_string(start.watchdog.count()) + "\n";
    for (const auto& l : start.listeners)
        text += std::to_string(l.ours) + " " + std::to_string(l.datagram) + " " + l.name + "\n";

    std::vector<int> fds;
    for (const auto& l : start.listeners)
        fds.push_back(l.fd.get());
    std::vector<char> control(CMSG_SPACE(sizeof(int) * std::max<std::size_t>(fds.size(), 1)));
    iovec iov{text.data(), text.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    for (;;) {
        if (::sendmsg(channel, &msg, MSG_NOSIGNAL) >= 0)
            return;
        if (errno != EINTR)
            echo::throw_errno("handing the listening sockets to the accepting process");
    }
}

std::optional<acceptor_start> receive_start(int channel)
{
    std::vector<char> text(max_message);
    std::vector<char> control(CMSG_SPACE(sizeof(int) * max_fds));
    iovec iov{text.data(), text.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t n;
    do
        n = ::recvmsg(channel, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        echo::throw_errno("receiving the listening sockets");
    if (n == 0)
        return std::nullopt;

    std::vector<echo::unique_fd> fds; // owned at once, so none leaks on an error below
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            fds.emplace_back(fd);
        }
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
        throw std::runtime_error("the start message from the monitor was truncated");

    acceptor_start start;
    std::istringstream in(std::string(text.data(), static_cast<std::size_t>(n)));
    long long usec = 0;
    in >> start.socket_activated >> start.notify >> usec;
    start.watchdog = std::chrono::microseconds(usec);
    in.ignore(1);
    for (auto& fd : fds) {
        listener l;
        int ours = 0;
        int datagram = 0;
        in >> ours >> datagram;
        in.ignore(1);
        std::getline(in, l.name);
        l.ours = ours != 0;
        l.datagram = datagram != 0;
        l.fd = std::move(fd);
        start.listeners.push_back(std::move(l));
    }
    if (!in)
        throw std::runtime_error("the start message from the monitor is malformed");
    return start;
}

bool send_message(int channel, const std::string& message) noexcept
{
    for (;;) {
        if (::send(channel, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
            return true;
        if (errno != EINTR)
            return false;
    }
}

std::optional<std::string> receive_message(int channel)
{
    char buffer[max_message];
    for (;;) {
        const ssize_t n = ::recv(channel, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n >= 0)
            return std::string(buffer, static_cast<std::size_t>(n));
        if (errno == EAGAIN)
            return std::nullopt;
        if (errno != EINTR)
            return std::string(); // ECONNRESET and the like: gone
    }
}

} // namespace echod
