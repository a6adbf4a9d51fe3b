#include "scoreboard.hpp"

#include "echo/child_path.hpp"
#include "echo/error.hpp"

#include <sys/mman.h>

#include <atomic>

namespace echod {
namespace {

constexpr auto as_int(scoreboard::state s) noexcept { return static_cast<std::uint32_t>(s); }

} // namespace

scoreboard::scoreboard(unsigned capacity, unsigned fewest_idle, unsigned most_idle)
    : bytes_(sizeof(header) + sizeof(std::uint32_t) * capacity)
{
    static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free, "shared between processes");
    memory_ = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory_ == MAP_FAILED)
        echo::throw_errno("mmap scoreboard");
    header_ = static_cast<header*>(memory_);
    slots_ = reinterpret_cast<std::uint32_t*>(static_cast<char*>(memory_) + sizeof(header));
    header_->fewest_idle = fewest_idle; // before any worker exists
    header_->most_idle = most_idle;
}

scoreboard::~scoreboard() { ::munmap(memory_, bytes_); }

void scoreboard::open(unsigned slot) noexcept
{
    std::atomic_ref(slots_[slot]).store(as_int(state::idle));
    std::atomic_ref(header_->idle).fetch_add(1);
}

void scoreboard::close(unsigned slot) noexcept
{
    // The worker is dead, so its slot no longer changes under us.
    if (std::atomic_ref(slots_[slot]).exchange(as_int(state::empty)) == as_int(state::idle))
        std::atomic_ref(header_->idle).fetch_sub(1);
}

scoreboard::state scoreboard::of(unsigned slot) const noexcept
{
    return static_cast<state>(std::atomic_ref(slots_[slot]).load());
}

std::uint64_t scoreboard::connections_begun() const noexcept { return std::atomic_ref(header_->begun).load(); }

std::uint64_t scoreboard::connections_refused() const noexcept { return std::atomic_ref(header_->refused).load(); }

void scoreboard::count_refusal() noexcept { std::atomic_ref(header_->refused).fetch_add(1, std::memory_order_relaxed); }

ECHO_CHILD_PATH bool scoreboard::to_busy(unsigned slot) noexcept
{
    std::atomic_ref(slots_[slot]).store(as_int(state::busy));
    std::atomic_ref(header_->begun).fetch_add(1);
    const std::int32_t idle = std::atomic_ref(header_->idle).fetch_sub(1) - 1;
    return idle < static_cast<std::int32_t>(header_->fewest_idle);
}

ECHO_CHILD_PATH bool scoreboard::to_idle(unsigned slot) noexcept
{
    std::atomic_ref(slots_[slot]).store(as_int(state::idle));
    const std::int32_t idle = std::atomic_ref(header_->idle).fetch_add(1) + 1;
    return idle > static_cast<std::int32_t>(header_->most_idle);
}

} // namespace echod
