// --prefork: workers forked ahead of clients accept for themselves; the
// parent keeps the pool filled (prefork_pool.hpp) and owns the books: what
// the workers began, and what they refused, logged as in fork per
// connection (refusal_log.hpp).
#pragma once

#include "children/child_group.hpp"
#include "prefork/prefork_pool.hpp"
#include "children/supervision.hpp"

namespace echod {

class prefork_group final : public connection_group {
public:
    explicit prefork_group(supervision& sup);

    // The workers' wake pipe: they began or ended connections, refused one,
    // or have a connection-log summary due.
    void on_readable(std::uint64_t token) override;
    [[nodiscard]] bool on_reaped(pid_t pid, int status) override;
    [[nodiscard]] std::size_t live() const noexcept override { return pool_.workers(); }
    [[nodiscard]] std::size_t open() const noexcept override { return pool_.busy(); }
    void signal_all(int signo) noexcept override;
    void stop() override { pool_.stop_accepting(); }
    void reconfigured() override;
    [[nodiscard]] clock::time_point next_deadline() const noexcept override;
    void on_timers(clock::time_point now) override;
    void append_status(std::string& line) const override;

private:
    // Counts the connections the workers began and refused, and trims the
    // idle workers beyond twice the spares.
    void look_at_pool();
    void fill_pool();
    void refused(const peer_address& peer, std::uint64_t count);

    supervision& sup_;
    prefork_pool pool_;
    bool pool_changed_ = false; // a worker was reaped: look at the pool
    std::chrono::seconds sessions_timeout_; // the idle timeout the workers were given
};

} // namespace echod
