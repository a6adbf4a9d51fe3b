// What "per source" means in echod, written once. A client's source is a
// source_key (an IPv4 address, or an IPv6 /64); a per_source<Entry> keeps one
// Entry for each source it has seen, in a table of a fixed number of slots:
//   - a source may use `probes` slots from its hash, and no other;
//   - a slot whose entry is idle (no connection open, a token bucket full
//     again, a log window closed: the caller says) is as good as free, and
//     goes to the next source that needs one, so nothing is ever erased;
//   - when all of a source's slots hold busy entries there is no room, and
//     the caller decides: the TCP count grows the table (its busy entries are
//     bounded by max-connections), UDP puts the source in one overflow bucket
//     and the refusal log counts it among "other sources", so that a flood
//     from many (spoofed) addresses cannot grow echod.
// Used by the TCP per-source limit (child_table.hpp), UDP's per-source rate
// (udp/rate_limiter.hpp) and the log of per-source refusals (refusal_log.hpp).
#pragma once

#include "limits/parent_only_allocator.hpp"
#include "limits/source_key.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace echod {

template <typename Entry>
class per_source {
public:
    static constexpr std::size_t default_probes = 8;

    explicit per_source(std::size_t slots, std::size_t probes = default_probes)
        : slots_(std::max(slots, probes)), probes_(std::max<std::size_t>(probes, 1))
    {
    }

    [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

    // The entry of `source` (idle or not), nullptr if it has none.
    [[nodiscard]] const Entry* find(const source_key& source) const noexcept
    {
        const std::size_t i = locate(source);
        return i == slots_.size() ? nullptr : &slots_[i].entry;
    }
    [[nodiscard]] Entry* find(const source_key& source) noexcept
    {
        return const_cast<Entry*>(std::as_const(*this).find(source));
    }

    struct place {
        Entry* entry; // nullptr: no room
        bool fresh;   // a value-initialized entry, new to `source`
    };
    // The entry of `source`; if it has none, a fresh one in a free slot or in
    // one whose entry `idle(entry)` says is idle; {nullptr, false} if there
    // is no such slot. `idle` may update the entry it looks at (a bucket's
    // refill), and is asked only until one slot is found.
    template <typename Idle>
    [[nodiscard]] place find_or_add(const source_key& source, Idle idle)
    {
        const std::size_t start = home(source);
        slot* reusable = nullptr;
        for (std::size_t i = 0; i < probes_; ++i) {
            slot& s = slots_[(start + i) % slots_.size()];
            if (s.used && s.key == source)
                return {&s.entry, false};
            if (!reusable && (!s.used || idle(s.entry)))
                reusable = &s;
        }
        if (!reusable)
            return {nullptr, false};
        *reusable = slot{source, true, Entry{}};
        return {&reusable->entry, true};
    }

    // Twice the slots (or more, until every busy entry finds one), keeping
    // the entries `idle` does not call idle. Allocates.
    template <typename Idle>
    void grow(Idle idle)
    {
        for (std::size_t size = 2 * slots_.size();; size *= 2) {
            per_source bigger(size, probes_);
            bool placed = true;
            for (auto& s : slots_) {
                if (!s.used || idle(s.entry))
                    continue;
                const place p = bigger.find_or_add(s.key, [](const Entry&) { return false; });
                if (!p.entry) {
                    placed = false;
                    break;
                }
                *p.entry = s.entry;
            }
            if (placed) {
                slots_.swap(bigger.slots_);
                return;
            }
        }
    }

    // Calls `f(source, entry)` for every source that has an entry.
    template <typename F>
    void for_each(F f)
    {
        for (auto& s : slots_)
            if (s.used)
                f(std::as_const(s.key), s.entry);
    }
    template <typename F>
    void for_each(F f) const
    {
        for (const auto& s : slots_)
            if (s.used)
                f(s.key, s.entry);
    }

private:
    struct slot {
        source_key key{};
        bool used = false;
        Entry entry{};
    };

    [[nodiscard]] std::size_t home(const source_key& source) const noexcept
    {
        return source_key_hash{}(source) % slots_.size();
    }
    [[nodiscard]] std::size_t locate(const source_key& source) const noexcept
    {
        const std::size_t start = home(source);
        for (std::size_t i = 0; i < probes_; ++i) {
            const std::size_t at = (start + i) % slots_.size();
            if (slots_[at].used && slots_[at].key == source)
                return at;
        }
        return slots_.size();
    }

    // The TCP count is written by the parent after every fork: in
    // parent_only_allocator's memory a child never shares its pages (see
    // there). The one place that says so, for all users.
    std::vector<slot, parent_only_allocator<slot>> slots_;
    std::size_t probes_;
};

} // namespace echod
