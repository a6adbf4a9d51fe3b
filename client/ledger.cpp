#include "ledger.hpp"

#include <new>
#include <type_traits>

namespace echo_client {

// The ledger first, its digest slots after it, in one mapping.
shared_ledger::shared_ledger()
    : memory_(sizeof(ledger) + digest_slots * sizeof(block_digest), echo::sharing::with_children, "the ledger")
{
    static_assert(std::is_trivially_destructible_v<ledger>, "unmapped without running a destructor");
    static_assert(sizeof(ledger) % alignof(block_digest) == 0);
    auto* base = static_cast<unsigned char*>(memory_.data());
    auto* slots = reinterpret_cast<block_digest*>(base + sizeof(ledger));
    ledger_ = new (base) ledger({slots, digest_slots});
}

} // namespace echo_client
