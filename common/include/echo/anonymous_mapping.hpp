// The one owner of anonymous memory mappings, in echod and echo-client:
// memory that a process and every child it forks share (echod's prefork
// scoreboard, per-source table and connection log counters; the client's
// ledger), memory for echod's parent's own books that its children never get
// (parent_only_allocator), and large private tables that cost
// only what is written (the client's digests).
#pragma once

#include "echo/error.hpp"

#include <sys/mman.h>

#include <cstddef>
#include <string>
#include <utility>

namespace echo {

class anonymous_mapping {
public:
    enum class sharing {
        // MAP_SHARED: what one process writes, all see. MAP_NORESERVE: pages are
        // allocated as they are first written, so a table sized for the worst
        // case costs what is used; fork() copies no page-table entries for it.
        with_children,
        // MAP_PRIVATE + MADV_DONTFORK: a child gets no mapping there at all.
        // fork() neither copies nor write-protects the parent's page-table
        // entries, so the parent's next write is not a page fault and a copy;
        // the child has one mapping fewer to set up and tear down (fork and
        // exit cost grows with the mappings a process has); and a child that
        // looked would fault at once instead of reading stale books.
        parent_only,
        // MAP_PRIVATE + MAP_NORESERVE: this process's alone, pages allocated as
        // they are first written.
        this_process,
    };

    // Zero-filled `bytes`. Throws std::system_error naming `what`.
    anonymous_mapping(std::size_t bytes, sharing kind, const char* what = "anonymous memory") : bytes_(bytes)
    {
        const int flags = kind == sharing::with_children ? MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE
                          : kind == sharing::this_process ? MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
                                                          : MAP_PRIVATE | MAP_ANONYMOUS;
        memory_ = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
        if (memory_ == MAP_FAILED)
            throw_errno(std::string("mmap ") + what);
        // Not best effort: without it children would share the books.
        if (kind == sharing::parent_only && ::madvise(memory_, bytes, MADV_DONTFORK) != 0) {
            const int error = errno;
            ::munmap(memory_, bytes);
            throw system_error(error, std::string("madvise MADV_DONTFORK ") + what);
        }
    }
    // Takes over a mapping release() gave away.
    static anonymous_mapping adopt(void* memory, std::size_t bytes) noexcept { return {memory, bytes}; }

    ~anonymous_mapping()
    {
        if (memory_ != MAP_FAILED)
            ::munmap(memory_, bytes_);
    }
    anonymous_mapping(anonymous_mapping&& other) noexcept
        : bytes_(std::exchange(other.bytes_, 0)), memory_(std::exchange(other.memory_, MAP_FAILED))
    {
    }
    anonymous_mapping& operator=(anonymous_mapping other) noexcept
    {
        std::swap(bytes_, other.bytes_);
        std::swap(memory_, other.memory_);
        return *this;
    }

    [[nodiscard]] void* data() const noexcept { return memory_; }
    [[nodiscard]] std::size_t size() const noexcept { return bytes_; }
    // The object of type T at byte `offset` (zero bytes must be a valid T).
    template <typename T>
    [[nodiscard]] T* at(std::size_t offset = 0) const noexcept
    {
        return reinterpret_cast<T*>(static_cast<char*>(memory_) + offset);
    }
    // Gives the mapping up without unmapping it (see adopt()): for an
    // allocator, whose callers hold plain pointers.
    [[nodiscard]] void* release() noexcept { return std::exchange(memory_, MAP_FAILED); }

private:
    anonymous_mapping(void* memory, std::size_t bytes) noexcept : bytes_(bytes), memory_(memory) {}

    std::size_t bytes_;
    void* memory_;
};

using sharing = anonymous_mapping::sharing;

} // namespace echo
