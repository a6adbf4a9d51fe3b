// What the two processes of every echo-client mode share: one anonymous
// MAP_SHARED mapping made before fork(), holding the mode's records (the
// stream's ledger, the ping mode's probe times, the UDP mode's datagrams).
// The mapping, its placement and the rules for what may live in it are
// here once; what is recorded is the mode's, given as `Records`.
//
// Records must be trivially destructible (the mapping is unmapped without
// running a destructor) and share across processes only lock-free atomics
// and fields with a single writer read after waitpid. Records that need a
// variable tail (the stream's digest slots) say how many bytes with a
// static `tail_bytes` and take a pointer to it in their constructor.
#pragma once

#include "echo/anonymous_mapping.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <type_traits>

namespace echo_client {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared across processes");

template <typename Records>
class shared_book {
    static_assert(std::is_trivially_destructible_v<Records>, "unmapped without running a destructor");

public:
    shared_book() : memory_(sizeof(Records) + tail_bytes(), echo::sharing::with_children, Records::what)
    {
        auto* base = static_cast<unsigned char*>(memory_.data());
        if constexpr (has_tail) {
            using tail = typename Records::tail_type;
            static_assert(sizeof(Records) % alignof(tail) == 0, "the tail starts aligned");
            records_ = new (base) Records(
                std::span<tail>(reinterpret_cast<tail*>(base + sizeof(Records)), Records::tail_count));
        } else {
            records_ = new (base) Records();
        }
    }
    shared_book(const shared_book&) = delete;
    shared_book& operator=(const shared_book&) = delete;

    [[nodiscard]] Records& get() noexcept { return *records_; }
    [[nodiscard]] const Records& get() const noexcept { return *records_; }
    Records* operator->() noexcept { return records_; }
    const Records* operator->() const noexcept { return records_; }

private:
    static constexpr bool has_tail = requires { typename Records::tail_type; };
    static constexpr std::size_t tail_bytes() noexcept
    {
        if constexpr (has_tail)
            return Records::tail_count * sizeof(typename Records::tail_type);
        else
            return 0;
    }

    echo::anonymous_mapping memory_;
    Records* records_;
};

} // namespace echo_client
