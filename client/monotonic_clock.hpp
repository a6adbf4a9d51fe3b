// CLOCK_MONOTONIC in nanoseconds: the one clock both processes of the ping
// and UDP modes read, so a send time written by the writer means the same
// to the reader.
#pragma once

#include <time.h>

#include <cstdint>

namespace echo_client {

[[nodiscard]] inline std::uint64_t now_ns() noexcept
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

[[nodiscard]] inline timespec to_timespec(std::uint64_t ns) noexcept
{
    return {static_cast<time_t>(ns / 1'000'000'000ULL), static_cast<long>(ns % 1'000'000'000ULL)};
}

} // namespace echo_client
