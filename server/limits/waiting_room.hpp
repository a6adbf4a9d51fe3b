// Connections from a source at --max-per-source, held back for a moment
// before they are refused.
//
// The parent counts a source's connections by its live children, and learns
// that one ended only when the child has exited and been reaped. A client
// that closes and at once connects again is ahead of both: its old child may
// not have run yet to see the end of file. Refused at that moment, a client
// that never held more than a few connections would be refused for ones it
// no longer has (issue 13). So a connection over the limit waits here, not
// served and not refused, until a child of its source is reaped (it is then
// served) or `patience` has passed with the source still at its limit (it is
// then refused: those connections are really open).
#pragma once

#include "limits/child_table.hpp"

#include "echo/unique_fd.hpp"

#include <chrono>
#include <cstddef>
#include <algorithm>
#include <utility>
#include <vector>

namespace echod {

class waiting_room {
public:
    using clock = std::chrono::steady_clock;

    // How long a connection waits at most, and how many wait at once: each
    // holds a descriptor of the parent, and a flood over the limit must be
    // refused, not stored.
    static constexpr std::chrono::milliseconds patience{1000};
    static constexpr std::size_t capacity = 256;

    struct guest {
        echo::unique_fd connection;
        child_info who;
        clock::time_point until;
    };

    waiting_room() { guests_.reserve(capacity); }

    [[nodiscard]] bool empty() const noexcept { return guests_.empty(); }
    [[nodiscard]] bool full() const noexcept { return guests_.size() >= capacity; }

    void admit(echo::unique_fd connection, const child_info& who, clock::time_point now)
    {
        guests_.push_back(guest{std::move(connection), who, now + patience});
    }

    // Calls `serve(guest)` for each guest, oldest first, while `may_serve(who)`
    // allows it; the others keep their place.
    template <typename MayServe, typename Serve>
    void serve_those(MayServe may_serve, Serve serve)
    {
        take_out([&](guest& g) { return may_serve(g.who); }, serve);
    }

    // Calls `refuse(guest)` for each guest whose time is up and whose
    // source `still_over(who)` is; a guest that waits only for
    // --max-connections stays, as it would in the listen backlog.
    template <typename StillOver, typename Refuse>
    void refuse_expired(clock::time_point now, StillOver still_over, Refuse refuse)
    {
        take_out(
            [&](guest& g) {
                if (now < g.until)
                    return false;
                if (still_over(g.who))
                    return true;
                g.until = now + patience;
                return false;
            },
            refuse);
    }

    [[nodiscard]] clock::time_point next_deadline() const noexcept
    {
        auto next = clock::time_point::max();
        for (const auto& g : guests_)
            next = std::min(next, g.until);
        return next;
    }

    // Closes every waiting connection (shutdown).
    void clear() noexcept { guests_.clear(); }

private:
    // One guest at a time, so that `pick` sees what `then` did for the one
    // before (a child added, a source's count raised). `then` must not touch
    // the room. The guests left keep their order: the oldest goes first.
    template <typename Pick, typename Then>
    void take_out(Pick pick, Then then)
    {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < guests_.size(); ++i) {
            if (pick(guests_[i]))
                then(std::move(guests_[i]));
            else if (kept++ != i)
                guests_[kept - 1] = std::move(guests_[i]);
        }
        guests_.erase(guests_.begin() + static_cast<std::ptrdiff_t>(kept), guests_.end());
    }

    std::vector<guest> guests_;
};

} // namespace echod
