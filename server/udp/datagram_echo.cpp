#include "udp/datagram_echo.hpp"

#include "udp/rate_limiter.hpp"
#include "udp/refusal_tally.hpp"
#include "udp/source_guard.hpp"
#include "listen/datagram_socket.hpp"

#include "logging/log_throttle.hpp"
#include "limits/source_key.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/log.hpp"
#include "echo/signals.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

namespace echod::udp {
namespace {

using namespace std::chrono_literals;
using echo::log;
using echo::log_level;

volatile sig_atomic_t stop_requested = 0;

void request_stop(int) noexcept
{
    stop_requested = 1;
}

// Datagrams a recvmmsg() takes at most, and batches one socket gets before
// the next has its turn.
constexpr unsigned batch_size = 32;
constexpr unsigned batches_per_turn = 8;
// One more than the largest UDP payload (65,527 over IPv6): a datagram that
// fills the buffer was cut, and MSG_TRUNC says so.
constexpr std::size_t buffer_size = 65'536;
// How often the interfaces' broadcast addresses are looked up again.
constexpr auto broadcast_refresh = 30s;
// How long a reply waits for room in a full send buffer before it is dropped.
constexpr int send_wait_ms = 100;

// The control message for a reply's source address, the larger of the two.
constexpr std::size_t control_size = CMSG_SPACE(sizeof(in6_pktinfo));

struct served_socket {
    int fd;
    int family;
};

// The interfaces' IPv4 broadcast addresses. getifaddrs() needs a netlink
// socket; where a sandbox forbids one the list stays empty, and the kernel
// still refuses to send to a broadcast address without SO_BROADCAST.
std::vector<in6_addr> broadcast_addresses()
{
    std::vector<in6_addr> out;
    std::vector<in6_addr> local;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return out;
    for (const ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        local.push_back(as_ipv6(i->ifa_addr));
        if ((i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr && i->ifa_broadaddr->sa_family == AF_INET &&
            reinterpret_cast<const sockaddr_in*>(i->ifa_broadaddr)->sin_addr.s_addr != INADDR_ANY)
            out.push_back(as_ipv6(i->ifa_broadaddr));
    }
    ::freeifaddrs(list);
    // An address added without a broadcast address ("ip address add
    // 192.0.2.1/24") comes back from glibc with its own address there.
    std::erase_if(out, [&local](const in6_addr& b) {
        return std::any_of(local.begin(), local.end(),
                           [&b](const in6_addr& l) { return std::memcmp(&l, &b, sizeof b) == 0; });
    });
    return out;
}

struct destination {
    in6_addr address{}; // unspecified when the kernel did not say
    int ifindex = 0;
};

destination destination_of(msghdr& m)
{
    destination d;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            d.address = as_ipv6(info.ipi_addr);
            d.ifindex = info.ipi_ifindex;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            d.address = info.ipi6_addr;
            d.ifindex = static_cast<int>(info.ipi6_ifindex);
        }
    }
    return d;
}

// Fills `control` with the reply's source address; returns its length.
std::size_t reply_from(const destination& d, int family, unsigned char* control)
{
    if (IN6_IS_ADDR_UNSPECIFIED(&d.address))
        return 0; // the kernel picks, as for any unbound send
    msghdr m{};
    m.msg_control = control;
    m.msg_controllen = control_size;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    if (family == AF_INET) {
        in_pktinfo info{};
        std::memcpy(&info.ipi_spec_dst, &d.address.s6_addr[12], 4);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof info);
        std::memcpy(CMSG_DATA(c), &info, sizeof info);
        return CMSG_SPACE(sizeof info);
    }
    in6_pktinfo info{};
    info.ipi6_addr = d.address;
    // IPv6 answers on the interface asked (link-local peers need it); IPv4
    // on a dual-stack socket leaves the interface to the routing table.
    info.ipi6_ifindex = IN6_IS_ADDR_V4MAPPED(&d.address) ? 0 : static_cast<unsigned>(d.ifindex);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    return CMSG_SPACE(sizeof info);
}

class datagram_echo {
public:
    datagram_echo(std::span<const int> sockets, const udp_settings& settings)
        : limiter_(settings),
          buffers_(batch_size * buffer_size),
          names_(batch_size),
          control_in_(batch_size * control_size),
          control_out_(batch_size * control_size),
          iov_(batch_size),
          in_(batch_size),
          out_(batch_size),
          broadcasts_(broadcast_addresses()),
          broadcasts_at_(clock::now())
    {
        for (const int fd : sockets) {
            sockaddr_storage local{};
            socklen_t length = sizeof local;
            if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0)
                echo::throw_errno("getsockname of a UDP socket");
            receive_destination_addresses(fd);
            sockets_.push_back({fd, local.ss_family});
            own_ports_.push_back(echo::port_of(reinterpret_cast<const sockaddr*>(&local)));
        }
    }

    // Reads what `s` has, up to a few batches, and echoes what may be echoed.
    void serve(const served_socket& s)
    {
        for (unsigned turn = 0; turn < batches_per_turn && !stop_requested; ++turn) {
            const int n = receive(s.fd);
            if (n <= 0)
                return;
            send(s, prepare_replies(s, static_cast<unsigned>(n)));
            if (static_cast<unsigned>(n) < batch_size)
                return; // drained
        }
    }

    void on_timers(clock::time_point now)
    {
        tally_.flush(now);
        if (now >= broadcasts_at_ + broadcast_refresh) {
            broadcasts_ = broadcast_addresses();
            broadcasts_at_ = now;
        }
    }

    [[nodiscard]] int wait_ms(clock::time_point now) const
    {
        const auto next = std::min(tally_.next_due(), broadcasts_at_ + broadcast_refresh);
        return static_cast<int>(
            std::clamp<long long>(std::chrono::ceil<std::chrono::milliseconds>(next - now).count(), 0, 60'000));
    }

    void finish()
    {
        tally_.flush(clock::now(), true);
        log(log_level::notice, "UDP echo stopped: ", echoed_, " datagram", echoed_ == 1 ? "" : "s", " echoed, ",
            tally_.total(), " refused, ", dropped_, " replies dropped");
    }

    [[nodiscard]] const std::vector<served_socket>& sockets() const noexcept { return sockets_; }

private:
    int receive(int fd)
    {
        for (unsigned i = 0; i < batch_size; ++i) {
            iov_[i] = {buffers_.data() + i * buffer_size, buffer_size};
            msghdr& m = in_[i].msg_hdr;
            m = {};
            m.msg_name = &names_[i];
            m.msg_namelen = sizeof names_[i];
            m.msg_iov = &iov_[i];
            m.msg_iovlen = 1;
            m.msg_control = control_in_.data() + i * control_size;
            m.msg_controllen = control_size;
        }
        for (;;) {
            const int n = ::recvmmsg(fd, in_.data(), batch_size, MSG_DONTWAIT, nullptr);
            if (n >= 0)
                return n;
            if (errno == EINTR && !stop_requested)
                continue;
            if (errno != EAGAIN && errno != EINTR)
                // ICMP errors of earlier replies and the like: the next read goes on.
                receive_failures_.log(log_level::warning, "UDP receive: ", std::strerror(errno));
            return 0;
        }
    }

    // Judges the `n` datagrams read; lays out the replies in out_. Returns their number.
    unsigned prepare_replies(const served_socket& s, unsigned n)
    {
        const auto now = clock::now();
        const guard_context context{own_ports_, broadcasts_};
        unsigned replies = 0;
        for (unsigned i = 0; i < n; ++i) {
            msghdr& m = in_[i].msg_hdr;
            const auto* source = reinterpret_cast<const sockaddr*>(&names_[i]);
            const std::size_t size = in_[i].msg_len;
            refusal why = refusal::none;
            destination d;
            if (m.msg_flags & MSG_TRUNC) {
                why = refusal::truncated;
            } else {
                d = destination_of(m);
                why = check_datagram(source, d.address, context);
                if (why == refusal::none)
                    why = limiter_.admit(source_of(source), size, now);
            }
            if (why != refusal::none) {
                tally_.refused(why, source, m.msg_namelen, now);
                continue;
            }
            iov_[i].iov_len = size;
            msghdr& r = out_[replies].msg_hdr;
            r = {};
            r.msg_name = &names_[i];
            r.msg_namelen = m.msg_namelen;
            r.msg_iov = &iov_[i];
            r.msg_iovlen = 1;
            unsigned char* control = control_out_.data() + replies * control_size;
            r.msg_controllen = reply_from(d, s.family, control);
            r.msg_control = r.msg_controllen ? control : nullptr;
            ++replies;
        }
        return replies;
    }

    void send(const served_socket& s, unsigned count)
    {
        unsigned sent = 0;
        bool waited = false;
        while (sent < count) {
            const int n = ::sendmmsg(s.fd, out_.data() + sent, count - sent, MSG_DONTWAIT);
            if (n > 0) {
                sent += static_cast<unsigned>(n);
                echoed_ += static_cast<unsigned long long>(n);
                continue;
            }
            if (n < 0 && errno == EINTR && !stop_requested)
                continue;
            if (n < 0 && errno == EAGAIN && !waited) {
                // The send buffer is full: give it a moment once, then drop (UDP may).
                pollfd p{s.fd, POLLOUT, 0};
                (void)::poll(&p, 1, send_wait_ms);
                waited = true;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                dropped_ += count - sent;
                return;
            }
            // This reply cannot go (no route, a firewall, a broadcast
            // address): skip it, the others may.
            send_failures_.log(log_level::warning, "UDP reply to ",
                               echo::to_string(static_cast<const sockaddr*>(out_[sent].msg_hdr.msg_name),
                                               out_[sent].msg_hdr.msg_namelen),
                               ": ", std::strerror(n < 0 ? errno : EIO));
            ++dropped_;
            ++sent;
        }
    }

    std::vector<served_socket> sockets_;
    std::vector<unsigned> own_ports_;
    rate_limiter limiter_;
    refusal_tally tally_;
    std::vector<char> buffers_;
    std::vector<sockaddr_in6> names_;
    std::vector<unsigned char> control_in_;
    std::vector<unsigned char> control_out_;
    std::vector<iovec> iov_;
    std::vector<mmsghdr> in_;
    std::vector<mmsghdr> out_;
    std::vector<in6_addr> broadcasts_;
    clock::time_point broadcasts_at_;
    unsigned long long echoed_ = 0;
    unsigned long long dropped_ = 0;
    log_throttle receive_failures_;
    log_throttle send_failures_;
};

} // namespace

void install_udp_signal_actions() noexcept
{
    echo::interrupt_on(SIGTERM, request_stop);
    echo::interrupt_on(SIGINT, request_stop);
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGUSR1, SIG_IGN);
}

int serve_datagrams(std::span<const int> sockets, const udp_settings& settings, const sigset_t& wait_mask)
{
    try {
        datagram_echo echo(sockets, settings);
        const echo::unique_fd events(::epoll_create1(EPOLL_CLOEXEC));
        if (!events)
            echo::throw_errno("epoll_create1");
        for (std::size_t i = 0; i < echo.sockets().size(); ++i) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.u64 = i;
            if (::epoll_ctl(events.get(), EPOLL_CTL_ADD, echo.sockets()[i].fd, &ev) != 0)
                echo::throw_errno("epoll_ctl UDP socket");
        }
        epoll_event ready[16];
        while (!stop_requested) {
            const int n = ::epoll_pwait(events.get(), ready, 16, echo.wait_ms(clock::now()), &wait_mask);
            if (n < 0 && errno != EINTR)
                echo::throw_errno("epoll_pwait");
            for (int i = 0; i < n && !stop_requested; ++i)
                echo.serve(echo.sockets()[ready[i].data.u64]);
            echo.on_timers(clock::now());
        }
        echo.finish();
        return echo::exit_status::ok;
    } catch (const std::exception& e) {
        log(log_level::error, "UDP echo failed: ", e.what());
        return echo::exit_status::os_error;
    }
}

} // namespace echod::udp
