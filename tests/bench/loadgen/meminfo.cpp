#include "meminfo.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace bench {

kernel_memory parse_meminfo(std::string_view text)
{
    kernel_memory m;
    bool available = false, slab = false;
    std::int64_t reclaimable = 0, unreclaimable = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        const std::string_view name = line.substr(0, colon);
        std::string_view rest = line.substr(colon + 1);
        while (!rest.empty() && rest.front() == ' ')
            rest.remove_prefix(1);
        std::int64_t value = 0;
        const auto [stop, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
        if (error != std::errc{} || stop == rest.data())
            continue;
        if (name == "MemAvailable") {
            m.mem_available_kib = value;
            available = true;
        } else if (name == "PageTables") {
            m.page_tables_kib = value;
        } else if (name == "Slab") {
            m.slab_kib = value;
            slab = true;
        } else if (name == "SReclaimable") {
            reclaimable = value;
        } else if (name == "SUnreclaim") {
            unreclaimable = value;
        } else if (name == "KernelStack") {
            m.kernel_stack_kib = value;
        }
    }
    if (!available)
        throw std::runtime_error("/proc/meminfo has no MemAvailable line");
    if (!slab)
        m.slab_kib = reclaimable + unreclaimable;
    return m;
}

kernel_memory read_meminfo()
{
    std::ifstream in("/proc/meminfo");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_meminfo(text.str());
}

kernel_memory memory_taken(const kernel_memory& before, const kernel_memory& after) noexcept
{
    kernel_memory d;
    d.mem_available_kib = before.mem_available_kib - after.mem_available_kib;
    d.page_tables_kib = after.page_tables_kib - before.page_tables_kib;
    d.slab_kib = after.slab_kib - before.slab_kib;
    d.kernel_stack_kib = after.kernel_stack_kib - before.kernel_stack_kib;
    return d;
}

} // namespace bench
