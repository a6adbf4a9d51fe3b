// One echo of `size` pattern bytes over a non-blocking socket, advanced a
// little at each readiness event: the unit of work of rate, latency and hold.
#pragma once

#include "pattern.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace bench {

enum class step {
    waiting,   // nothing more possible until the next event
    done,      // every byte sent came back, as sent
    closed,    // the server closed before echoing everything: bytes lost
    corrupted, // a byte came back different from what was sent
    failed,    // the socket reported an error (errno kept in `error`)
};

struct exchange {
    std::uint64_t offset = 0; // where in the pattern this echo's bytes start
    std::size_t size = 0;
    std::size_t sent = 0;
    std::size_t received = 0;
    int error = 0;

    void restart(std::uint64_t new_offset, std::size_t new_size) noexcept
    {
        offset = new_offset;
        size = new_size;
        sent = received = 0;
        error = 0;
    }
    [[nodiscard]] bool all_sent() const noexcept { return sent == size; }

    // Sends what the socket takes now.
    [[nodiscard]] step send_some(int fd, const pattern& bytes);
    // Reads what has arrived (into `scratch`) and checks it.
    [[nodiscard]] step receive_some(int fd, const pattern& bytes, std::span<char> scratch);
};

[[nodiscard]] const char* describe(step s) noexcept;

} // namespace bench
