#include "limits/source_table.hpp"



#include <cstring>

namespace echod {
namespace {

std::uint64_t half(const source_key& k, std::size_t offset) noexcept
{
    std::uint64_t v = 0;
    std::memcpy(&v, k.bytes.data() + offset, sizeof v);
    return v;
}

} // namespace

source_table::source_table(unsigned capacity)
    : capacity_(capacity),
      // Shared, so workers see each other's slots; pages are touched only as
      // slots are used.
      memory_(sizeof(header) + sizeof(entry) * capacity, echo::sharing::with_children, "source table"),
      header_(memory_.at<header>()),
      entries_(memory_.at<entry>(sizeof(header)))
{
    static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free, "shared between processes");
    static_assert(sizeof(header) % alignof(entry) == 0, "entries must be aligned");
}

void source_table::open_slot(unsigned slot) noexcept
{
    std::atomic_ref high_water(header_->high_water);
    unsigned high = high_water.load();
    while (slot + 1 > high && !high_water.compare_exchange_weak(high, slot + 1)) {
    }
}

void source_table::release(unsigned slot) noexcept { std::atomic_ref(entries_[slot].active).store(0); }

bool source_table::claim(unsigned slot, const source_key& source) noexcept
{
    const unsigned limit = this->limit();
    if (limit == 0)
        return true;
    const std::uint64_t high = half(source, 0), low = half(source, 8);
    entry& mine = entries_[slot];
    std::atomic_ref(mine.high).store(high, std::memory_order_relaxed);
    std::atomic_ref(mine.low).store(low, std::memory_order_relaxed);
    // Publish first, then count (both sequentially consistent): of two
    // workers claiming at once, each sees the other.
    std::atomic_ref(mine.active).store(1);
    unsigned count = 0;
    const unsigned used = std::atomic_ref(header_->high_water).load();
    for (unsigned i = 0; i < used; ++i) {
        entry& e = entries_[i];
        if (std::atomic_ref(e.active).load() && std::atomic_ref(e.high).load(std::memory_order_relaxed) == high &&
            std::atomic_ref(e.low).load(std::memory_order_relaxed) == low)
            ++count;
    }
    if (count <= limit)
        return true;
    std::atomic_ref(mine.active).store(0);
    return false;
}

} // namespace echod
