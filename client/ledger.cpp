#include "ledger.hpp"

#include "echo/error.hpp"

#include <sys/mman.h>

#include <new>
#include <type_traits>

namespace echo_client {

anonymous_memory::anonymous_memory(std::size_t size, sharing mode) : size_(size)
{
    const int visibility = mode == sharing::with_children ? MAP_SHARED : MAP_PRIVATE;
    data_ = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, visibility | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data_ == MAP_FAILED)
        echo::throw_errno("mmap " + std::to_string(size) + " bytes");
}

anonymous_memory::~anonymous_memory()
{
    ::munmap(data_, size_);
}

// The ledger first, its digest slots after it, in one mapping.
shared_ledger::shared_ledger()
    : memory_(sizeof(ledger) + digest_slots * sizeof(block_digest), anonymous_memory::sharing::with_children)
{
    static_assert(std::is_trivially_destructible_v<ledger>, "unmapped without running a destructor");
    static_assert(sizeof(ledger) % alignof(block_digest) == 0);
    auto* base = static_cast<unsigned char*>(memory_.data());
    auto* slots = reinterpret_cast<block_digest*>(base + sizeof(ledger));
    ledger_ = new (base) ledger({slots, digest_slots});
}

} // namespace echo_client
