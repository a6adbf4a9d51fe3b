// The load of the chaos soak: clients of five kinds, each kind on threads of
// its own and from loopback addresses of its own, looping until stopped.
//   short      connect, echo 1..2048 bytes, half-close, expect the server's close
//   stream     2 MB sent while the echo is read, then half-close and close
//   holder     echo, sit idle 1-3 s, echo again (8 at once from one address,
//              so a lowered max-per-source refuses some)
//   slowloris  64 bytes, one every 30 ms, the echo read as it comes
//   resetter   1 MB sent, about 256 KiB read back, then a reset (SO_LINGER 0)
// Every byte that comes back is checked against what was sent, as it comes.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace chaos {

// What one session came to.
enum class outcome {
    complete,    // every byte back, exactly, and the server closed after our half-close
    refused,     // the server closed or reset before echoing a single byte
    cut,         // an exact prefix came back, then the server closed or reset
    reset_by_us, // a resetter's exact prefix, then our reset
    wrong,       // a byte came back that was not sent there: never acceptable
    hung,        // nothing happened for the session's deadline: never acceptable
};

struct load_figures {
    unsigned long sessions = 0, complete = 0, refused = 0, cut = 0, reset_by_us = 0, wrong = 0, hung = 0;
    unsigned long long bytes_echoed = 0;
    std::vector<std::string> failures; // what went wrong in wrong or hung sessions (the first few)
};

class mixed_load {
public:
    explicit mixed_load(unsigned port);
    ~mixed_load(); // stops and joins
    mixed_load(const mixed_load&) = delete;
    mixed_load& operator=(const mixed_load&) = delete;

    // Lets every client finish its session and stops them.
    void stop();
    [[nodiscard]] load_figures figures() const;

private:
    void record(outcome o, const std::string& peer, unsigned long long bytes, const std::string& detail);
    void loop(unsigned kind, const std::string& source, unsigned seed);

    unsigned port_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    load_figures figures_;
    std::vector<std::thread> threads_;
};

} // namespace chaos
