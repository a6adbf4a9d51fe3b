// The parent's book of live children: who serves which client, and how many
// connections each client source holds (for --max-per-source).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace echod {

// A client's source for per-source limits: an IPv4 address (also when it
// arrives IPv4-mapped on a dual-stack socket) or an IPv6 /64, since one IPv6
// host usually holds a whole /64.
struct source_key {
    std::array<std::uint8_t, 16> bytes{};
    friend bool operator==(const source_key&, const source_key&) = default;
};

[[nodiscard]] source_key source_of(const sockaddr* peer);

struct source_key_hash {
    std::size_t operator()(const source_key& k) const noexcept;
};

struct child_info {
    source_key source;
    std::string peer; // "[::1]:5555", for the log when the child dies abnormally
    std::chrono::steady_clock::time_point started;
};

class child_table {
public:
    void add(pid_t pid, child_info info);
    // Forgets `pid`; returns what was known of it, if anything.
    [[nodiscard]] bool remove(pid_t pid, child_info& out);

    [[nodiscard]] std::size_t size() const noexcept { return children_.size(); }
    [[nodiscard]] bool empty() const noexcept { return children_.empty(); }
    [[nodiscard]] unsigned connections_from(const source_key& source) const;

    template <typename F>
    void for_each_pid(F f) const
    {
        for (const auto& [pid, info] : children_)
            f(pid);
    }

private:
    std::unordered_map<pid_t, child_info> children_;
    std::unordered_map<source_key, unsigned, source_key_hash> per_source_;
};

} // namespace echod
