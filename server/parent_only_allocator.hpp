// Memory for the parent's own books (which child serves which client), which
// its children never read. fork() write-protects every private page of the
// parent, so the parent's first write to each page after forking is a page
// fault, and a copy while the child still shares the page; writing the new
// child's entry cost three of them per connection (perf record -e page-faults,
// parent only). Pages marked MADV_WIPEONFORK are not shared with a child at
// all (it sees zeros there instead), so fork() leaves them writable.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <new>

namespace echod {

template <typename T>
class parent_only_allocator {
public:
    using value_type = T;

    parent_only_allocator() noexcept = default;
    template <typename U>
    parent_only_allocator(const parent_only_allocator<U>&) noexcept
    {
    }

    [[nodiscard]] T* allocate(std::size_t n)
    {
        const std::size_t bytes = rounded(n);
        void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            throw std::bad_alloc();
        // Best effort: on a kernel without it (before 4.14) this is only slower.
        (void)::madvise(p, bytes, MADV_WIPEONFORK);
        return static_cast<T*>(p);
    }

    void deallocate(T* p, std::size_t n) noexcept { ::munmap(p, rounded(n)); }

    template <typename U>
    friend bool operator==(const parent_only_allocator&, const parent_only_allocator<U>&) noexcept
    {
        return true;
    }

private:
    [[nodiscard]] static std::size_t rounded(std::size_t n) noexcept
    {
        const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        return (n * sizeof(T) + page - 1) / page * page;
    }
};

} // namespace echod
