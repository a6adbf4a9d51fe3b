// What --ping and the options that go with it ask for (see echo-client(1)).
#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace echo_client::ping {

struct settings {
    bool enabled = false;                    // --ping
    bool udp = false;                        // --udp: probes as datagrams
    std::size_t size = 64;                   // --size BYTES
    std::chrono::nanoseconds interval = std::chrono::seconds(1); // --interval; 0: as fast as the socket takes them
    std::uint64_t count = 0;                 // --count; 0: until interrupted
    std::chrono::nanoseconds timeout = std::chrono::seconds(5); // --timeout: lost when not back by then
    bool quiet = false;                      // --quiet: the summary only
    bool json = false;                       // --json
    bool new_connection = false;             // --new-connection
    std::optional<double> max_loss_percent;  // --max-loss; unset: any loss fails
    std::optional<double> max_p99_ms;        // --max-p99
};

// The options of the ping mode, for echo-client's option table and --help.
[[nodiscard]] boost::program_options::options_description option_table();

// Reads them from `vm`; throws echo::fatal_error (usage) on a bad value or
// on a ping option given without --ping (--timeout goes with --udp as well:
// the stream mode over UDP waits that long for each echo).
[[nodiscard]] settings read_settings(const boost::program_options::variables_map& vm);

} // namespace echo_client::ping
