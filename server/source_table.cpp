#include "source_table.hpp"

#include "echo/child_path.hpp"
#include "echo/error.hpp"

#include <sys/mman.h>

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
    : capacity_(capacity), bytes_(sizeof(header) + sizeof(entry) * capacity)
{
    static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free, "shared between processes");
    static_assert(sizeof(header) % alignof(entry) == 0, "entries must be aligned");
    // Shared, so workers see each other's slots; pages are touched only as
    // slots are used, and fork() copies no page table entries for it.
    memory_ = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory_ == MAP_FAILED)
        echo::throw_errno("mmap source table");
    header_ = static_cast<header*>(memory_);
    entries_ = reinterpret_cast<entry*>(static_cast<char*>(memory_) + sizeof(header));
}

source_table::~source_table() { ::munmap(memory_, bytes_); }

void source_table::open_slot(unsigned slot) noexcept
{
    std::atomic_ref high_water(header_->high_water);
    unsigned high = high_water.load();
    while (slot + 1 > high && !high_water.compare_exchange_weak(high, slot + 1)) {
    }
}

ECHO_CHILD_PATH void source_table::release(unsigned slot) noexcept { std::atomic_ref(entries_[slot].active).store(0); }

ECHO_CHILD_PATH bool source_table::claim(unsigned slot, const source_key& source) noexcept
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
