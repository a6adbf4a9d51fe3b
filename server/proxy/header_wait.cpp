#include "proxy/header_wait.hpp"

#include "echo/error.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace echod {

namespace proxy = echo::proxy;

void header_wait::admit(echo::unique_fd connection, const peer_address& balancer, clock::time_point deadline)
{
    auto free = std::find_if(slots_.begin(), slots_.end(), [](const slot& s) { return !s.connection; });
    if (free == slots_.end()) {
        slots_.emplace_back();
        free = slots_.end() - 1;
    }
    const auto index = static_cast<std::uint64_t>(free - slots_.begin());
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = token_bit | index;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, connection.get(), &ev) != 0)
        echo::throw_errno("epoll_ctl PROXY connection from " + balancer.to_string());
    free->connection = std::move(connection);
    free->balancer = balancer;
    free->deadline = deadline;
    free->consumed.clear();
    ++waiting_;
}

header_wait::result header_wait::take_out(std::size_t index)
{
    slot& s = slots_[index];
    // Failing only if the descriptor is gone from epoll already: nothing to undo.
    (void)::epoll_ctl(epoll_, EPOLL_CTL_DEL, s.connection.get(), nullptr);
    result r;
    r.connection = std::move(s.connection);
    r.balancer = s.balancer;
    s.consumed.clear();
    s.consumed.shrink_to_fit();
    --waiting_;
    return r;
}

header_wait::result header_wait::fail(std::size_t index, failure why, proxy::refusal reason)
{
    result r = take_out(index);
    r.connection.reset();
    r.what = result::failed;
    r.why = why;
    r.reason = reason;
    return r;
}

header_wait::result header_wait::on_readable(std::uint64_t token)
{
    const auto index = static_cast<std::size_t>(token & ~token_bit);
    if (index >= slots_.size() || !slots_[index].connection)
        return {}; // taken out earlier in this turn of the loop
    slot& s = slots_[index];
    const int fd = s.connection.get();

    // At most what could still belong to a header; the rest is not looked at.
    char peeked[proxy::max_v2_length];
    const std::size_t room = proxy::max_v2_length - s.consumed.size();
    const ssize_t n = ::recv(fd, peeked, room, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return {};
        return fail(index, failure::truncated); // ECONNRESET and the like
    }
    if (n == 0)
        return fail(index, failure::truncated);

    const auto got = static_cast<std::size_t>(n);
    proxy::parse_result parsed;
    if (s.consumed.empty()) {
        parsed = proxy::parse(std::string_view(peeked, got));
    } else {
        std::string so_far = s.consumed;
        so_far.append(peeked, got);
        parsed = proxy::parse(so_far);
    }
    switch (parsed.outcome) {
    case proxy::outcome::refused:
        return fail(index, failure::refused, parsed.reason);
    case proxy::outcome::incomplete: {
        // Every byte so far is header: take them out of the socket.
        if (::recv(fd, peeked, got, MSG_DONTWAIT) != n)
            return fail(index, failure::truncated);
        s.consumed.append(peeked, got);
        return {};
    }
    case proxy::outcome::complete:
        break;
    }
    // Consume the header's bytes still in the socket, and not one more.
    const std::size_t rest = parsed.length - s.consumed.size();
    if (::recv(fd, peeked, rest, MSG_DONTWAIT) != static_cast<ssize_t>(rest))
        return fail(index, failure::truncated);
    result r = take_out(index);
    r.what = result::whole;
    r.header = std::move(parsed.parsed);
    r.header_length = parsed.length;
    return r;
}

std::vector<header_wait::result> header_wait::expire(clock::time_point now)
{
    std::vector<result> ended;
    for (std::size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].connection && now >= slots_[i].deadline)
            ended.push_back(fail(i, failure::timeout));
    return ended;
}

header_wait::clock::time_point header_wait::next_deadline() const noexcept
{
    auto next = clock::time_point::max();
    for (const auto& s : slots_)
        if (s.connection)
            next = std::min(next, s.deadline);
    return next;
}

void header_wait::clear() noexcept
{
    for (std::size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].connection)
            (void)fail(i, failure::timeout);
}

} // namespace echod
