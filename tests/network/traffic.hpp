// The two loads the network tests put on a path: one echo-client streaming a
// large input, and many concurrent connections doing round trips.
#pragma once

#include "netns.hpp"
#include "process.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace netns {

// Where the loads stop and wait while the test changes the path, so the
// change is certain to come mid-stream and mid-round-trips, never before or
// after them.
class gate {
public:
    // Counts this arrival and waits until open (at most 5 minutes).
    void arrive_and_wait();
    // True once `n` have arrived within the deadline.
    [[nodiscard]] bool wait_for_arrivals(unsigned n, std::chrono::milliseconds deadline);
    void open();

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    unsigned arrived_ = 0;
    bool open_ = false;
};

// Random bytes with no line that starts with q or Q, so echo-client's quit
// line ("q" alone on a line) cannot end the input early.
[[nodiscard]] std::string stream_data(std::size_t n, unsigned seed);

// echo-client HOST PORT inside `ns`, its standard input fed from a thread
// (so the test sees how far the stream got), its output kept in a file.
class client_stream {
public:
    // With `pause`, the feeding stops at `pause_at` bytes until the gate opens.
    client_stream(const network_namespace& ns, std::string data, std::vector<std::string> argv,
                  gate* pause = nullptr, std::size_t pause_at = 0);

    // How fast the input comes: all at once (as fast as echo-client takes
    // it), or `chunk` bytes every `gap`, like a user typing.
    struct pace {
        std::size_t chunk = 64 * 1024;
        std::chrono::milliseconds gap{0};
    };
    client_stream(const network_namespace& ns, std::string data, std::vector<std::string> argv, pace input_pace);
    ~client_stream();
    client_stream(const client_stream&) = delete;
    client_stream& operator=(const client_stream&) = delete;

    // Bytes echo-client has taken from its standard input so far (within a pipe's buffer).
    [[nodiscard]] std::size_t fed() const noexcept { return fed_.load(); }
    [[nodiscard]] const std::string& data() const noexcept { return data_; }
    [[nodiscard]] test::process& proc() noexcept { return process_; }
    [[nodiscard]] std::optional<int> wait(std::chrono::milliseconds deadline);
    [[nodiscard]] std::string output() const { return process_.stdout_text(); }
    [[nodiscard]] std::string errors() const { return process_.stderr_text(); }

private:
    void start(const network_namespace& ns, std::vector<std::string> argv, gate* pause, std::size_t pause_at,
               pace input_pace);

    test::temp_dir dir_;
    std::string data_;
    test::process process_;
    std::atomic<std::size_t> fed_{0};
    std::thread feeder_;
};

struct round_trip_load {
    unsigned clients = 64;
    unsigned rounds = 200;        // round trips per client
    std::size_t max_size = 4096;  // each payload has 1..max_size random bytes
    std::chrono::milliseconds round_deadline = std::chrono::seconds(120);
    gate* halfway = nullptr;      // if set, each client waits there after half its rounds
};

struct round_trip_result {
    unsigned exact = 0;              // round trips whose echo matched
    unsigned wrong = 0;              // echoes that came back different
    std::vector<std::string> errors; // one line per client that failed
    std::size_t bytes = 0;           // payload bytes echoed exactly
    double seconds = 0;
};

// `load.clients` connections from `source` (an address of `ns`) to
// SERVER:PORT, each on its own thread, all at once.
[[nodiscard]] round_trip_result run_round_trips(const network_namespace& ns, const std::string& source,
                                                const std::string& server, unsigned port,
                                                const round_trip_load& load);

} // namespace netns
