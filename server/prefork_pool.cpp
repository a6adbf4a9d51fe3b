#include "prefork_pool.hpp"

#include "echo/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

namespace echod {
namespace {

// Workers at once, at most: the shared slot table is sized for it.
constexpr unsigned max_slots = 65536;

void make_pipe(echo::unique_fd& read_end, echo::unique_fd& write_end)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        echo::throw_errno("pipe2");
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
}

} // namespace

prefork_pool::prefork_pool(unsigned spare, unsigned connections_per_child, std::vector<int> listeners,
                           const sigset_t& signal_mask)
    : spare_(spare),
      connections_per_child_(connections_per_child),
      sources_(max_slots),
      listeners_(std::move(listeners)),
      signal_mask_(signal_mask)
{
    make_pipe(reports_read_, reports_write_);
    make_pipe(stop_read_, stop_write_);
    worker_keeps_ = listeners_;
    worker_keeps_.push_back(stop_read_.get());
    worker_keeps_.push_back(reports_write_.get());
    std::sort(worker_keeps_.begin(), worker_keeps_.end());
    // The parent drains reports from its event loop and must never block on them.
    ::fcntl(reports_read_.get(), F_SETFL, ::fcntl(reports_read_.get(), F_GETFL) | O_NONBLOCK);
}

unsigned prefork_pool::wanted(unsigned max_workers) const noexcept
{
    if (!stop_write_)
        return 0;
    const std::size_t limit = std::min<std::size_t>(max_workers, max_slots);
    if (idle_ >= spare_ || workers_.size() >= limit)
        return 0;
    return static_cast<unsigned>(std::min<std::size_t>(spare_ - idle_, limit - workers_.size()));
}

worker_setup prefork_pool::prepare(const session_options& session)
{
    unsigned slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = next_slot_++;
    }
    sources_.open_slot(slot);
    worker_setup setup;
    setup.listeners = listeners_;
    setup.keep_descriptors = worker_keeps_;
    setup.signal_mask = signal_mask_;
    setup.stop_fd = stop_read_.get();
    setup.report_fd = reports_write_.get();
    setup.sources = &sources_;
    setup.slot = slot;
    setup.connections = connections_per_child_;
    setup.session = session;
    return setup;
}

void prefork_pool::added(pid_t pid, unsigned slot)
{
    workers_[pid] = worker{slot};
    ++idle_;
}

void prefork_pool::abandon(unsigned slot) { free_slots_.push_back(slot); }

unsigned prefork_pool::read_reports()
{
    unsigned began = 0;
    worker_report reports[64];
    for (;;) {
        const ssize_t n = ::read(reports_read_.get(), reports, sizeof reports);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return began; // EAGAIN: drained
        }
        for (std::size_t i = 0; i < static_cast<std::size_t>(n) / sizeof(worker_report); ++i) {
            worker* found = workers_.find(reports[i].pid);
            if (!found || found->busy == (reports[i].busy != 0))
                continue; // already reaped, or nothing new
            worker& w = *found;
            w.busy = reports[i].busy != 0;
            if (w.busy) {
                // A retiring worker took a client before it saw the request: it serves it.
                if (!w.retiring)
                    --idle_;
                w.retiring = false;
                ++began;
            } else {
                ++idle_;
            }
        }
    }
}

void prefork_pool::retire_excess() noexcept
{
    // Fork below `spare` idle workers, retire only above twice that: with
    // one bound for both, every client would cost a fork (its worker goes
    // busy) and an exit (it comes back idle), as if there were no pool.
    const std::size_t most_idle = 2 * static_cast<std::size_t>(spare_);
    if (idle_ <= most_idle)
        return;
    workers_.for_each([&](pid_t pid, worker& w) {
        if (idle_ > most_idle && !w.busy && !w.retiring) {
            ::kill(pid, SIGUSR1);
            w.retiring = true;
            --idle_;
        }
    });
}

bool prefork_pool::forget(pid_t pid)
{
    const worker* found = workers_.find(pid);
    if (!found)
        return false;
    if (!found->busy && !found->retiring)
        --idle_;
    sources_.release(found->slot);
    free_slots_.push_back(found->slot);
    workers_.erase(pid);
    return true;
}

} // namespace echod
