#include "scoreboard.hpp"

#include "echo/child_path.hpp"


#include <atomic>

namespace echod {
namespace {

constexpr auto as_int(scoreboard::state s) noexcept { return static_cast<std::uint32_t>(s); }

} // namespace

scoreboard::scoreboard(unsigned capacity, unsigned fewest_idle, unsigned most_idle)
    : memory_(sizeof(header) + sizeof(std::uint32_t) * capacity, echo::sharing::with_children, "scoreboard"),
      header_(memory_.at<header>()),
      slots_(memory_.at<std::uint32_t>(sizeof(header)))
{
    static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free, "shared between processes");
    header_->fewest_idle = fewest_idle; // before any worker exists
    header_->most_idle = most_idle;
}

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
