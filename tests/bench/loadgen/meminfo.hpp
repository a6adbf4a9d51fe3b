// The kernel's own memory figures from /proc/meminfo: what a held connection
// costs beyond its processes' PSS (page tables, slab, kernel stacks) and the
// all-in drop of MemAvailable. Read before and after a hold; the difference
// divided by the connections held is the cost of one.
#pragma once

#include <cstdint>
#include <string_view>

namespace bench {

// KiB, as /proc/meminfo gives them. A field the kernel did not print is 0.
struct kernel_memory {
    std::int64_t mem_available_kib = 0;
    std::int64_t page_tables_kib = 0;
    std::int64_t slab_kib = 0; // Slab, or SReclaimable + SUnreclaim when Slab is missing
    std::int64_t kernel_stack_kib = 0;
};

// Parses the text of /proc/meminfo ("Name:   123 kB" lines). Throws
// std::runtime_error when MemAvailable is missing: nothing to measure then.
[[nodiscard]] kernel_memory parse_meminfo(std::string_view text);

// Reads and parses /proc/meminfo.
[[nodiscard]] kernel_memory read_meminfo();

// after - before, field by field (positive: more used, except MemAvailable,
// whose drop is returned positive too: the memory the held connections took).
[[nodiscard]] kernel_memory memory_taken(const kernel_memory& before, const kernel_memory& after) noexcept;

} // namespace bench
