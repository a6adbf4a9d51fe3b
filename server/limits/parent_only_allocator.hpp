// Memory for the parent's own books (which child serves which client), which
// its children never read. fork() write-protects every private page of the
// parent, so the parent's first write to each page after forking is a page
// fault, and a copy while the child still shares the page; writing the new
// child's entry cost three of them per connection (perf record -e page-faults,
// parent only). A mapping marked MADV_DONTFORK is not in a child at all, so
// fork() leaves the parent's pages writable, and the child has one mapping
// fewer to copy and tear down. Each allocation is an echo::anonymous_mapping
// (sharing::parent_only).
#pragma once

#include "echo/anonymous_mapping.hpp"

#include <unistd.h>

#include <cstddef>
#include <new>
#include <system_error>

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
        try {
            echo::anonymous_mapping pages(rounded(n), echo::sharing::parent_only, "parent's table");
            return static_cast<T*>(pages.release());
        } catch (const std::system_error&) {
            throw std::bad_alloc(); // what a container expects of its allocator
        }
    }

    void deallocate(T* p, std::size_t n) noexcept { (void)echo::anonymous_mapping::adopt(p, rounded(n)); }

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

// One object of the parent's alone, in such memory: for the few counters the
// parent writes after every fork, which on its stack or heap would leave each
// child holding an old copy of their page.
template <typename T>
class parent_only_object {
public:
    parent_only_object() : memory_(sizeof(T), echo::sharing::parent_only, "parent's counters")
    {
        new (memory_.data()) T{};
    }
    ~parent_only_object() { get().~T(); }
    parent_only_object(const parent_only_object&) = delete;
    parent_only_object& operator=(const parent_only_object&) = delete;

    [[nodiscard]] T& get() const noexcept { return *memory_.at<T>(); }
    T* operator->() const noexcept { return &get(); }

private:
    echo::anonymous_mapping memory_;
};

} // namespace echod
