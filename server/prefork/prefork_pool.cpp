#include "prefork/prefork_pool.hpp"

#include "echo/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <utility>

namespace echod {
namespace {

// Workers at once, at most: the shared tables are sized for it.
constexpr unsigned max_slots = 65536;

void make_pipe(echo::unique_fd& read_end, echo::unique_fd& write_end, int flags)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | flags) != 0)
        echo::throw_errno("pipe2");
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
}

} // namespace

prefork_pool::prefork_pool(unsigned spare, unsigned connections_per_child, std::vector<int> listeners,
                           const parent_signals& signals)
    : spare_(spare),
      connections_per_child_(connections_per_child),
      sources_(max_slots),
      board_(max_slots, spare, 2 * spare),
      listeners_(std::move(listeners)),
      signals_(signals)
{
    // Non-blocking both ways: the parent drains it from its event loop, and a
    // worker must never wait on a full pipe (one byte pending wakes enough).
    make_pipe(wake_read_, wake_write_, O_NONBLOCK);
    make_pipe(stop_read_, stop_write_, 0);
    worker_keeps_ = listeners_;
    worker_keeps_.push_back(stop_read_.get());
    worker_keeps_.push_back(wake_write_.get());
    std::sort(worker_keeps_.begin(), worker_keeps_.end());
}

unsigned prefork_pool::wanted(unsigned max_workers) const noexcept
{
    if (!stop_write_)
        return 0;
    const std::size_t limit = std::min<std::size_t>(max_workers, max_slots);
    const std::size_t idle_now = idle();
    if (idle_now >= spare_ || workers_.size() >= limit)
        return 0;
    return static_cast<unsigned>(std::min<std::size_t>(spare_ - idle_now, limit - workers_.size()));
}

worker_setup prefork_pool::prepare(const session_settings& session, connection_log* log)
{
    unsigned slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = next_slot_++;
    }
    sources_.open_slot(slot);
    board_.open(slot);
    worker_setup setup;
    setup.listeners = listeners_;
    setup.keep_descriptors = worker_keeps_;
    setup.working_mask = &signals_.worker_working_mask();
    setup.serving_mask = &signals_.worker_serving_mask();
    setup.waiting_mask = &signals_.worker_waiting_mask();
    setup.stop_fd = stop_read_.get();
    setup.wake_fd = wake_write_.get();
    setup.sources = &sources_;
    setup.board = &board_;
    setup.slot = slot;
    setup.connections = connections_per_child_;
    setup.session = session;
    setup.log = log;
    return setup;
}

void prefork_pool::added(pid_t pid, unsigned slot) { workers_[pid] = worker{slot}; }

void prefork_pool::abandon(unsigned slot)
{
    board_.close(slot);
    free_slots_.push_back(slot);
}

unsigned prefork_pool::collect()
{
    char drain[64];
    for (;;) {
        const ssize_t n = ::read(wake_read_.get(), drain, sizeof drain);
        if (n > 0 || (n < 0 && errno == EINTR))
            continue;
        break; // EAGAIN: drained
    }
    const std::uint64_t begun = board_.connections_begun();
    const auto news = static_cast<unsigned>(begun - begun_seen_);
    begun_seen_ = begun;
    return news;
}

std::size_t prefork_pool::idle() const noexcept
{
    std::size_t n = 0;
    workers_.for_each([&](pid_t, const worker& w) {
        if (!w.retiring && board_.of(w.slot) == scoreboard::state::idle)
            ++n;
    });
    return n;
}

std::size_t prefork_pool::busy() const noexcept
{
    std::size_t n = 0;
    workers_.for_each([&](pid_t, const worker& w) {
        if (board_.of(w.slot) == scoreboard::state::busy)
            ++n;
    });
    return n;
}

void prefork_pool::retire_excess() noexcept
{
    const std::size_t most_idle = 2 * static_cast<std::size_t>(spare_);
    std::size_t idle_now = idle();
    if (idle_now <= most_idle)
        return;
    workers_.for_each([&](pid_t pid, worker& w) {
        if (idle_now > most_idle && !w.retiring && board_.of(w.slot) == scoreboard::state::idle) {
            ::kill(pid, SIGUSR1);
            w.retiring = true;
            --idle_now;
        }
    });
}

std::uint64_t prefork_pool::new_refusals(worker& w, bool dead) noexcept
{
    const auto count = board_.refusals(w.slot, w.last_refused, dead);
    if (!count || *count == w.refusals_seen)
        return 0; // none, or a record half written: read at the next wake
    return *count - std::exchange(w.refusals_seen, *count);
}

void prefork_pool::forget(pid_t pid, const worker& w)
{
    board_.close(w.slot);
    sources_.release(w.slot);
    free_slots_.push_back(w.slot);
    workers_.erase(pid);
}

} // namespace echod
