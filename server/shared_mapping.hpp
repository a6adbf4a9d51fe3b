// Anonymous memory that the parent and every child it forks share
// (MAP_SHARED): the one owner of such a mapping, for the prefork scoreboard,
// the per-source table and the connection log's counters.
#pragma once

#include "echo/error.hpp"

#include <sys/mman.h>

#include <cstddef>
#include <string>
#include <utility>

namespace echod {

class shared_mapping {
public:
    // Zero-filled. MAP_NORESERVE: pages are allocated as they are first
    // written, so a table sized for the worst case costs what is used, and
    // fork() copies no page-table entries for a shared mapping. Throws
    // std::system_error naming `what`.
    shared_mapping(std::size_t bytes, const char* what)
        : bytes_(bytes),
          memory_(::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0))
    {
        if (memory_ == MAP_FAILED)
            echo::throw_errno(std::string("mmap ") + what);
    }
    ~shared_mapping()
    {
        if (memory_ != MAP_FAILED)
            ::munmap(memory_, bytes_);
    }
    shared_mapping(shared_mapping&& other) noexcept
        : bytes_(std::exchange(other.bytes_, 0)), memory_(std::exchange(other.memory_, MAP_FAILED))
    {
    }
    shared_mapping& operator=(shared_mapping other) noexcept
    {
        std::swap(bytes_, other.bytes_);
        std::swap(memory_, other.memory_);
        return *this;
    }

    [[nodiscard]] void* get() const noexcept { return memory_; }
    [[nodiscard]] std::size_t size() const noexcept { return bytes_; }
    // The object of type T at byte `offset` (zero bytes must be a valid T).
    template <typename T>
    [[nodiscard]] T* at(std::size_t offset = 0) const noexcept
    {
        return reinterpret_cast<T*>(static_cast<char*>(memory_) + offset);
    }

private:
    std::size_t bytes_;
    void* memory_;
};

} // namespace echod
