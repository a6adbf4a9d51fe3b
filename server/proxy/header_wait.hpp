// Connections accepted on a PROXY listener whose header has not arrived
// whole yet, held by the parent without blocking: each in the event loop,
// read as its bytes arrive, until its header is whole, it is refused, or its
// time is up.
//
// Only the header is read: bytes that arrive after it stay in the socket,
// for the session child to echo. So the parent peeks (MSG_PEEK) and then
// consumes exactly the bytes the header is made of; bytes of a header still
// incomplete are all header, so they are consumed and kept here, which keeps
// level-triggered epoll from waking again for the same bytes.
#pragma once

#include "limits/peer_address.hpp"

#include "echo/proxy_parse.hpp"
#include "echo/unique_fd.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace echod {

class header_wait {
public:
    using clock = std::chrono::steady_clock;

    // Connections waiting at once at most: each holds a descriptor of the
    // parent and up to 2 KiB of header. Beyond it a new one is refused.
    static constexpr std::size_t capacity = 256;
    // epoll data of a waiting connection: this bit, and its slot below it.
    // Listener indexes (the other tokens of fork_per_connection) stay under it.
    static constexpr std::uint64_t token_bit = 1ULL << 40;
    [[nodiscard]] static bool owns(std::uint64_t token) noexcept { return (token & token_bit) != 0; }

    explicit header_wait(int epoll_fd) : epoll_(epoll_fd) {}
    header_wait(const header_wait&) = delete;
    header_wait& operator=(const header_wait&) = delete;
    ~header_wait() { clear(); }

    // Why a waiting connection was closed.
    enum class failure : std::uint8_t {
        refused,    // the header was malformed: `reason` says how
        truncated,  // the balancer closed (or reset) before the header was whole
        timeout,    // not whole within the header timeout
    };

    struct result {
        enum { waiting, whole, failed } what = waiting;
        echo::unique_fd connection;    // whole: the header consumed, the rest left to echo
        peer_address balancer;         // the real peer
        echo::proxy::header header;    // whole
        std::size_t header_length = 0; // whole
        failure why = failure::refused;                         // failed
        echo::proxy::refusal reason = echo::proxy::refusal::not_proxy; // failed, refused
    };

    [[nodiscard]] std::size_t size() const noexcept { return waiting_; }
    [[nodiscard]] bool full() const noexcept { return waiting_ >= capacity; }

    // Starts waiting for `connection`'s header until `deadline`. Throws
    // std::system_error if epoll refuses it (the connection is then closed).
    void admit(echo::unique_fd connection, const peer_address& balancer, clock::time_point deadline);

    // Reads what arrived for `token`'s connection.
    [[nodiscard]] result on_readable(std::uint64_t token);

    // Takes out the connections whose deadline has passed, as failed (timeout).
    [[nodiscard]] std::vector<result> expire(clock::time_point now);

    [[nodiscard]] clock::time_point next_deadline() const noexcept;

    // Closes every waiting connection (shutdown).
    void clear() noexcept;

private:
    struct slot {
        echo::unique_fd connection; // empty: a free slot
        peer_address balancer;
        clock::time_point deadline;
        std::string consumed; // header bytes already read from the socket
    };

    // Takes the connection out of the slot and out of epoll: it may live on
    // in a child, and must not wake this loop again.
    result take_out(std::size_t index);
    result fail(std::size_t index, failure why, echo::proxy::refusal reason = echo::proxy::refusal::not_proxy);

    int epoll_;
    std::vector<slot> slots_;
    std::size_t waiting_ = 0;
};

} // namespace echod
