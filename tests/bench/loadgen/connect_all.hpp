// Opens many connections at once, a bounded number in flight, for the modes
// that work on persistent connections (latency, bulk, hold).
#pragma once

#include "connection.hpp"
#include "failures.hpp"

#include <chrono>
#include <vector>

namespace bench {

// Connects `count` sockets to `target`, at most `parallel` connects pending at
// a time, giving up when none completes for `timeout` or when the monotonic
// clock (now_ns) passes `give_up_at` (0: no such limit). A failure is noted
// in `failed` and ends the attempt. Returns the sockets, index = order started.
[[nodiscard]] std::vector<echo::unique_fd> connect_all(const sock_address& target, source_addresses& sources,
                                                       std::size_t count, std::size_t parallel,
                                                       std::chrono::milliseconds timeout, failures& failed,
                                                       std::int64_t give_up_at = 0);

} // namespace bench
