// How echo-bench ends, so the comparison script can tell a slow server from a
// broken one.
#pragma once

#include <stdexcept>

namespace bench {

inline constexpr int exit_ok = 0;
inline constexpr int exit_data_error = 1;  // a byte lost, corrupted or in excess
inline constexpr int exit_usage = 64;
inline constexpr int exit_unreachable = 69; // could not connect, or the server stalled
inline constexpr int exit_os_error = 71;

class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace bench
