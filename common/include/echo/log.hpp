// One line per event on stderr, written with a single write(2) so lines from
// the parent and its children never interleave. Under systemd the journal gets
// sd-daemon priority prefixes ("<6>") so `journalctl -p` works; on a terminal
// lines carry a timestamp; otherwise they are plain "echod[PID]: ..." lines.
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

namespace echo {

// Values are syslog priorities.
enum class log_level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

// "error", "warning", "notice", "info", "debug"; throws std::invalid_argument otherwise.
[[nodiscard]] log_level parse_log_level(std::string_view name);
[[nodiscard]] std::string_view to_string(log_level level) noexcept;

enum class log_style { plain, terminal, journal };

namespace logging {

// Sets the name shown in lines and picks the style from where stderr goes.
void setup(std::string_view program_name, log_level threshold);
void set_threshold(log_level threshold) noexcept;
[[nodiscard]] log_level threshold() noexcept;
[[nodiscard]] log_style style() noexcept;
[[nodiscard]] bool enabled(log_level level) noexcept;

// Writes one finished line (without the trailing newline).
void write_line(log_level level, std::string_view message) noexcept;

// The line a program ends with after a fatal error: "echod: MESSAGE" (or
// "<3>MESSAGE" for the journal), without pid or timestamp.
void fatal(std::string_view message) noexcept;
// The same kind of line for a warning a command-line program goes on after
// ("echo-client: MESSAGE", or "<4>MESSAGE").
void warn(std::string_view message) noexcept;

inline void append(std::string& out, std::string_view s) { out.append(s); }
inline void append(std::string& out, const char* s) { out.append(s); }
inline void append(std::string& out, const std::string& s) { out.append(s); }
inline void append(std::string& out, char c) { out.push_back(c); }
template <std::integral T>
void append(std::string& out, T value)
{
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, r.ptr);
}
void append(std::string& out, double value);

} // namespace logging

// Concatenates the arguments into one string.
template <typename... Parts>
[[nodiscard]] std::string concat(const Parts&... parts)
{
    std::string out;
    (logging::append(out, parts), ...);
    return out;
}

// log(log_level::info, "served ", n, " connections"): formats only when the
// level is enabled.
template <typename... Parts>
void log(log_level level, const Parts&... parts)
{
    if (!logging::enabled(level))
        return;
    logging::write_line(level, concat(parts...));
}

} // namespace echo
