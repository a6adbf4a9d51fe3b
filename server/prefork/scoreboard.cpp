#include "prefork/scoreboard.hpp"


#include <atomic>
#include <cstring>

namespace echod {
namespace {

constexpr auto as_int(scoreboard::state s) noexcept { return static_cast<std::uint32_t>(s); }

} // namespace

scoreboard::scoreboard(unsigned capacity, unsigned fewest_idle, unsigned most_idle)
    : memory_(records_at(capacity) + sizeof(refusal_record) * capacity, echo::sharing::with_children, "scoreboard"),
      header_(memory_.at<header>()),
      slots_(memory_.at<std::uint32_t>(sizeof(header))),
      refusals_(memory_.at<refusal_record>(records_at(capacity)))
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
    // Its refusals have been taken: the slot's next worker counts from zero.
    std::atomic_ref(refusals_[slot].sequence).store(0);
}

scoreboard::state scoreboard::of(unsigned slot) const noexcept
{
    return static_cast<state>(std::atomic_ref(slots_[slot]).load());
}

std::uint64_t scoreboard::connections_begun() const noexcept { return std::atomic_ref(header_->begun).load(); }

void scoreboard::record_refusal(unsigned slot, const peer_address& peer) noexcept
{
    refusal_record& r = refusals_[slot];
    std::atomic_ref sequence(r.sequence);
    const std::uint64_t before = sequence.load(std::memory_order_relaxed);
    sequence.store(before + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    std::uint64_t words[peer_words];
    std::memcpy(words, &peer, sizeof words);
    for (std::size_t i = 0; i < peer_words; ++i)
        std::atomic_ref(r.peer[i]).store(words[i], std::memory_order_relaxed);
    sequence.store(before + 2, std::memory_order_release);
}

std::optional<std::uint64_t> scoreboard::refusals(unsigned slot, peer_address& last, bool worker_dead) const noexcept
{
    refusal_record& r = refusals_[slot];
    std::atomic_ref sequence(r.sequence);
    const std::uint64_t before = sequence.load(std::memory_order_acquire);
    if (before % 2 != 0)
        return worker_dead ? std::optional((before + 1) / 2) : std::nullopt;
    std::uint64_t words[peer_words];
    for (std::size_t i = 0; i < peer_words; ++i)
        words[i] = std::atomic_ref(r.peer[i]).load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (sequence.load(std::memory_order_relaxed) != before)
        return std::nullopt; // the worker began the next record meanwhile
    if (before > 0)
        std::memcpy(static_cast<void*>(&last), words, sizeof words);
    return before / 2;
}

bool scoreboard::to_busy(unsigned slot) noexcept
{
    std::atomic_ref(slots_[slot]).store(as_int(state::busy));
    const std::int32_t idle = std::atomic_ref(header_->idle).fetch_sub(1) - 1;
    return idle < static_cast<std::int32_t>(header_->fewest_idle);
}

void scoreboard::count_begun() noexcept { std::atomic_ref(header_->begun).fetch_add(1); }

bool scoreboard::to_idle(unsigned slot) noexcept
{
    std::atomic_ref(slots_[slot]).store(as_int(state::idle));
    const std::int32_t idle = std::atomic_ref(header_->idle).fetch_add(1) + 1;
    return idle > static_cast<std::int32_t>(header_->most_idle);
}

} // namespace echod
