#include "logging/connection_log.hpp"

#include "echo/log.hpp"

#include <time.h>

#include <algorithm>
#include <atomic>

namespace echod {
namespace {

std::uint64_t coarse_second() noexcept
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec);
}

} // namespace

connection_log::connection_log(unsigned lines_per_second)
    : memory_(sizeof(counters), echo::sharing::with_children, "connection log counters"),
      shared_(memory_.at<counters>())
{
    static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free, "shared between processes");
    set_rate(lines_per_second);
}

void connection_log::set_rate(unsigned lines_per_second) noexcept
{
    std::atomic_ref(shared_->rate).store(lines_per_second);
}

unsigned connection_log::rate() const noexcept { return std::atomic_ref(shared_->rate).load(); }

bool connection_log::admit(session_end how) noexcept
{
    const std::uint64_t limit = std::atomic_ref(shared_->rate).load(std::memory_order_relaxed);
    if (limit == 0)
        return true;
    const std::uint64_t second = coarse_second();
    std::atomic_ref window(shared_->window);
    std::uint64_t seen = window.load(std::memory_order_relaxed);
    for (;;) {
        // A child whose coarse clock lags a tick behind another's counts in
        // the newer second rather than turning the window back.
        const bool new_second = second > seen >> 32;
        const std::uint64_t used = new_second ? 0 : seen & 0xffff'ffff;
        if (used >= limit)
            break;
        const std::uint64_t next = new_second ? (second << 32 | 1) : seen + 1;
        if (window.compare_exchange_weak(seen, next, std::memory_order_relaxed))
            return true;
    }
    std::atomic_ref(shared_->unlogged[static_cast<unsigned>(how)]).fetch_add(1);
    // The first connection left out since the last summary asks for a wake-up.
    std::uint32_t idle = wake_none;
    std::atomic_ref(shared_->wake).compare_exchange_strong(idle, wake_wanted);
    return false;
}

bool connection_log::take_wake_request() noexcept
{
    std::atomic_ref wake(shared_->wake);
    std::uint32_t wanted = wake_wanted;
    return wake.load(std::memory_order_relaxed) == wake_wanted && wake.compare_exchange_strong(wanted, wake_sent);
}

std::uint64_t connection_log::unsummarized() const noexcept
{
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < session_end_kinds; ++i)
        n += std::atomic_ref(shared_->unlogged[i]).load() - summarized_[i];
    return n;
}

std::optional<connection_log::clock::time_point> connection_log::summary_due(clock::time_point now) noexcept
{
    if (!due_ && unsummarized() > 0) {
        period_start_ = now;
        due_ = now + std::chrono::seconds(1);
    }
    return due_;
}

void connection_log::summarize(clock::time_point now, bool now_or_never)
{
    if (!(now_or_never || (due_ && now >= *due_)))
        return;
    std::array<std::uint64_t, session_end_kinds> fresh{};
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < session_end_kinds; ++i) {
        const std::uint64_t seen = std::atomic_ref(shared_->unlogged[i]).load();
        fresh[i] = seen - summarized_[i];
        summarized_[i] = seen;
        total += fresh[i];
    }
    std::atomic_ref(shared_->wake).store(wake_none);
    const std::chrono::duration<double> period = now - (due_ ? period_start_ : now);
    due_.reset();
    if (total == 0)
        return;
    const auto count = [&](session_end e) { return fresh[static_cast<unsigned>(e)]; };
    echo::log(echo::log_level::info, "summary: ", total, " more connections ended in the last ",
              std::max(period.count(), 1.0), " s, ", count(session_end::failed), " failed (",
              count(session_end::client_closed), " closed by the client, ", count(session_end::idle_timeout),
              " idle timeout, ", count(session_end::reset), " reset, ", count(session_end::shutdown),
              " at shutdown); beyond connection-log-rate ", rate(),
              " lines a second their own lines were not written");
}

} // namespace echod
