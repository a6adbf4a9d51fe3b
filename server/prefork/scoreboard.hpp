// Where prefork workers say whether they wait or serve, in memory shared with
// the parent (Apache's prefork calls it the scoreboard). A worker flips its
// own slot and a shared count of idle workers with a few atomic operations,
// and wakes the parent only when that count leaves the band the parent keeps
// it in: below the spares (fork more) or above twice that (retire some). In
// steady use nobody writes to a pipe and the parent sleeps; a record per
// connection through a pipe, as before, woke it twice per connection.
// A refusal (--max-per-source) is the exception: the worker records it in
// its slot and always wakes the parent, which logs and counts it.
#pragma once

#include "limits/peer_address.hpp"

#include "echo/anonymous_mapping.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

namespace echod {

class scoreboard {
public:
    enum class state : std::uint32_t { empty = 0, idle = 1, busy = 2 };

    // Wake the parent when the idle count falls below `fewest_idle` or rises
    // above `most_idle`.
    scoreboard(unsigned capacity, unsigned fewest_idle, unsigned most_idle);

    // Parent, before forking the worker of `slot`: it counts as idle from now.
    void open(unsigned slot) noexcept;
    // Parent, once the worker of `slot` is reaped (or was never forked) and
    // its refusals taken: whatever state it died in, it is no longer counted.
    void close(unsigned slot) noexcept;
    [[nodiscard]] state of(unsigned slot) const noexcept;
    // Connections the workers have served (begun) since the start.
    [[nodiscard]] std::uint64_t connections_begun() const noexcept;
    // Parent: how many connections the worker of `slot` has refused
    // (--max-per-source) since the slot was first used, and into `last` the
    // peer of the last of them. Nothing if the worker is writing that
    // record right now (look again later) or died while it did (then ask
    // with `worker_dead`: the refusal counts, `last` keeps the one before).
    [[nodiscard]] std::optional<std::uint64_t> refusals(unsigned slot, peer_address& last,
                                                        bool worker_dead = false) const noexcept;

    // Worker: took a connection, or waits for the next one again. True when
    // the parent should be woken.
    [[nodiscard]] bool to_busy(unsigned slot) noexcept;
    [[nodiscard]] bool to_idle(unsigned slot) noexcept;
    // Worker: serves the connection it took (not refused: see record_refusal).
    void count_begun() noexcept;
    // Worker: refused the connection it took from `peer`. The parent logs
    // and counts it (refusal_log.hpp), once woken.
    void record_refusal(unsigned slot, const peer_address& peer) noexcept;

private:
    // Plain integers in the shared mapping, accessed through std::atomic_ref
    // (as in source_table): zero pages are the valid initial state.
    struct alignas(alignof(std::max_align_t)) header {
        std::uint64_t begun;
        std::int32_t idle;
        std::uint32_t fewest_idle;
        std::uint32_t most_idle;
    };

    // A slot's refusals, written by its worker alone and read by the parent
    // as a sequence lock: `sequence` is odd while the worker writes, and
    // grows by two per refusal, so it is the count as well.
    static constexpr std::size_t peer_words = sizeof(peer_address) / sizeof(std::uint64_t);
    struct refusal_record {
        std::uint64_t sequence;
        std::uint64_t peer[peer_words];
    };
    static_assert(sizeof(peer_address) % sizeof(std::uint64_t) == 0);
    static_assert(std::is_trivially_copyable_v<peer_address>);

    // Where the records begin: after the header and the slots' states.
    [[nodiscard]] static constexpr std::size_t records_at(unsigned capacity) noexcept
    {
        const std::size_t end = sizeof(header) + sizeof(std::uint32_t) * capacity;
        return (end + alignof(refusal_record) - 1) / alignof(refusal_record) * alignof(refusal_record);
    }

    echo::anonymous_mapping memory_;
    header* header_ = nullptr;
    std::uint32_t* slots_ = nullptr;
    refusal_record* refusals_ = nullptr;
};

} // namespace echod
