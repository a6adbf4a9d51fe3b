// One line per event on stderr, written with a single write(2) so lines from
// the parent and its children never interleave. Under systemd the journal gets
// sd-daemon priority prefixes ("<6>") so `journalctl -p` works; on a terminal
// lines carry a timestamp; otherwise they are plain "echod[PID]: ..." lines.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <span>
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

// What precedes a message in the current style ("<6>", "echod[42]: ",
// "2026-01-01 12:00:00 echod[42]: warning: "), written into `out` (cut to
// fit). Allocates nothing. Returns the length.
std::size_t format_prefix(log_level level, std::span<char> out) noexcept;

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

// A log line built in a buffer on the stack and written with one write(2):
// nothing is allocated, so a forked child that logs copies no heap page of
// its parent's. Text beyond the buffer is cut.
class stack_line {
public:
    explicit stack_line(log_level level) noexcept;
    stack_line(const stack_line&) = delete;
    stack_line& operator=(const stack_line&) = delete;

    stack_line& operator<<(std::string_view text) noexcept;
    stack_line& operator<<(unsigned long long value) noexcept;
    // Raw room to format into; commit(n) keeps the first n bytes of it.
    [[nodiscard]] std::span<char> room() noexcept { return {text_ + size_, capacity - 1 - size_}; }
    void commit(std::size_t n) noexcept { size_ += n; }
    // Adds the newline and writes the line.
    void write() noexcept;

private:
    static constexpr std::size_t capacity = 512;
    char text_[capacity];
    std::size_t size_ = 0;
};

// "1.234": a duration in seconds with three decimals, without floating point.
struct seconds_text {
    unsigned long long milliseconds;
};
stack_line& operator<<(stack_line& line, seconds_text s) noexcept;

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
