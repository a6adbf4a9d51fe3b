// Per-source connection counts that prefork workers share: each worker owns
// one slot and marks in it the source it serves, so a worker that has just
// accepted can count the others serving the same source without asking the
// parent. The parent clears the slot of a worker that dies.
// Not a per_source table (per_source.hpp), though it answers the same
// question: here the entries are the workers, not the sources, so that
// processes can claim and release without a lock and a dead worker's claim
// goes with its slot; a table keyed by source, shared by processes, would
// need a lock-free insert and eviction that a killed worker cannot wedge.
#pragma once

#include "limits/source_key.hpp"

#include "echo/anonymous_mapping.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace echod {

class source_table {
public:
    explicit source_table(unsigned capacity);

    [[nodiscard]] unsigned capacity() const noexcept { return capacity_; }

    // Parent, before forking the worker for `slot`: slots below the high
    // water mark are the ones workers scan.
    void open_slot(unsigned slot) noexcept;
    // Parent, when the worker of `slot` is gone (whatever it left behind).
    void release(unsigned slot) noexcept;

    // Parent, at start and on reload: the per-source limit workers apply
    // from their next connection on (0: none).
    void set_limit(unsigned limit) noexcept { std::atomic_ref(header_->limit).store(limit); }
    [[nodiscard]] unsigned limit() const noexcept { return std::atomic_ref(header_->limit).load(); }

    // Worker: records that `slot` now serves `source`, unless that makes more
    // than limit() connections from it (then nothing is recorded). Two
    // workers racing for the same source may both refuse, never both exceed.
    [[nodiscard]] bool claim(unsigned slot, const source_key& source) noexcept;

private:
    // Plain integers in the shared mapping, always accessed through
    // std::atomic_ref: zero pages are a valid initial state, so nothing is
    // written (and no page allocated) until a slot is used.
    struct entry {
        std::uint64_t high;
        std::uint64_t low;
        std::uint32_t active;
    };
    // Padded so the entries after it are aligned whatever the header holds.
    struct alignas(alignof(std::max_align_t)) header {
        unsigned high_water;
        unsigned limit;
    };

    unsigned capacity_;
    echo::anonymous_mapping memory_;
    header* header_ = nullptr;
    entry* entries_ = nullptr;
};

} // namespace echod
