// The parent's book of live children: who serves which client, and how many
// connections each client source holds (for --max-per-source).
#pragma once

#include "limits/flat_table.hpp"
#include "limits/peer_address.hpp"
#include "limits/relay.hpp"
#include "limits/source_key.hpp"

#include <sys/socket.h>
#include <sys/types.h>

#include <functional>

namespace echod {

struct child_info {
    source_key source;  // of the client: the address a PROXY header carried, if any
    peer_address peer;  // the client, for the log when the child dies abnormally
    struct relay relay; // how it came: direct, or through a balancer
};

// Adding and removing a child allocates nothing once the tables have grown
// to the peak number of children: see flat_table.hpp for why that matters.
class child_table {
public:
    void add(pid_t pid, const child_info& info);
    // Forgets `pid`; returns what was known of it, if anything.
    [[nodiscard]] bool remove(pid_t pid, child_info& out);

    [[nodiscard]] std::size_t size() const noexcept { return children_.size(); }
    [[nodiscard]] bool empty() const noexcept { return children_.size() == 0; }
    [[nodiscard]] unsigned connections_from(const source_key& source) const;

    template <typename F>
    void for_each_pid(F f) const
    {
        children_.for_each([&f](pid_t pid, const child_info&) { f(pid); });
    }

private:
    // pids are handed out in sequence: the identity hash keeps neighbours together.
    flat_table<pid_t, child_info, std::hash<pid_t>> children_;
    flat_table<source_key, unsigned, source_key_hash> per_source_;
};

} // namespace echod
