// Where prefork workers say whether they wait or serve, in memory shared with
// the parent (Apache's prefork calls it the scoreboard). A worker flips its
// own slot and a shared count of idle workers with a few atomic operations,
// and wakes the parent only when that count leaves the band the parent keeps
// it in: below the spares (fork more) or above twice that (retire some). In
// steady use nobody writes to a pipe and the parent sleeps; a record per
// connection through a pipe, as before, woke it twice per connection.
#pragma once

#include "echo/anonymous_mapping.hpp"

#include <cstddef>
#include <cstdint>

namespace echod {

class scoreboard {
public:
    enum class state : std::uint32_t { empty = 0, idle = 1, busy = 2 };

    // Wake the parent when the idle count falls below `fewest_idle` or rises
    // above `most_idle`.
    scoreboard(unsigned capacity, unsigned fewest_idle, unsigned most_idle);

    // Parent, before forking the worker of `slot`: it counts as idle from now.
    void open(unsigned slot) noexcept;
    // Parent, once the worker of `slot` is reaped (or was never forked):
    // whatever state it died in, it is no longer counted.
    void close(unsigned slot) noexcept;
    [[nodiscard]] state of(unsigned slot) const noexcept;
    // Connections the workers have taken since the start.
    [[nodiscard]] std::uint64_t connections_begun() const noexcept;
    // Connections the workers have refused (--max-per-source) since the start.
    [[nodiscard]] std::uint64_t connections_refused() const noexcept;

    // Worker: took a connection, or waits for the next one again. True when
    // the parent should be woken.
    [[nodiscard]] bool to_busy(unsigned slot) noexcept;
    [[nodiscard]] bool to_idle(unsigned slot) noexcept;
    // Worker: refused the connection it took.
    void count_refusal() noexcept;

private:
    // Plain integers in the shared mapping, accessed through std::atomic_ref
    // (as in source_table): zero pages are the valid initial state.
    struct alignas(alignof(std::max_align_t)) header {
        std::uint64_t begun;
        std::uint64_t refused;
        std::int32_t idle;
        std::uint32_t fewest_idle;
        std::uint32_t most_idle;
    };

    echo::anonymous_mapping memory_;
    header* header_ = nullptr;
    std::uint32_t* slots_ = nullptr;
};

} // namespace echod
