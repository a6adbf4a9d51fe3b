#include "echo/log.hpp"

#include "echo/io.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

namespace echo {
namespace {

// Set once at start-up (and the threshold on reload); never touched by a
// signal handler.
struct logger_state {
    std::string name = "echo";
    log_level threshold = log_level::info;
    log_style style = log_style::plain;
};

logger_state& state()
{
    static logger_state s;
    return s;
}

// systemd sets JOURNAL_STREAM=DEV:INODE for the stream it connected to
// stderr; it only counts if stderr is still that stream.
bool stderr_is_journal()
{
    const char* value = std::getenv("JOURNAL_STREAM");
    if (!value)
        return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(value, "%llu:%llu", &dev, &ino) != 2)
        return false;
    struct stat st{};
    if (::fstat(STDERR_FILENO, &st) != 0)
        return false;
    return st.st_dev == dev && st.st_ino == ino;
}

} // namespace

log_level parse_log_level(std::string_view name)
{
    for (auto level : {log_level::error, log_level::warning, log_level::notice, log_level::info, log_level::debug})
        if (name == to_string(level))
            return level;
    throw std::invalid_argument("unknown log level '" + std::string(name) +
                                "' (use error, warning, notice, info or debug)");
}

std::string_view to_string(log_level level) noexcept
{
    switch (level) {
    case log_level::error: return "error";
    case log_level::warning: return "warning";
    case log_level::notice: return "notice";
    case log_level::info: return "info";
    case log_level::debug: return "debug";
    }
    return "info";
}

namespace logging {

void setup(std::string_view program_name, log_level threshold)
{
    auto& s = state();
    s.name = std::string(program_name);
    s.threshold = threshold;
    if (stderr_is_journal())
        s.style = log_style::journal;
    else if (::isatty(STDERR_FILENO))
        s.style = log_style::terminal;
    else
        s.style = log_style::plain;
}

void set_threshold(log_level threshold) noexcept { state().threshold = threshold; }
log_level threshold() noexcept { return state().threshold; }
log_style style() noexcept { return state().style; }
bool enabled(log_level level) noexcept
{
    return static_cast<int>(level) <= static_cast<int>(state().threshold);
}

void append(std::string& out, double value)
{
    char text[32];
    const int n = std::snprintf(text, sizeof text, "%.3f", value);
    out.append(text, n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::size_t format_prefix(log_level level, std::span<char> out) noexcept
{
    const auto& s = state();
    char* const begin = out.data();
    char* p = begin;
    char* const end = begin + out.size();
    const auto put = [&](std::string_view text) noexcept {
        const auto n = std::min<std::size_t>(text.size(), static_cast<std::size_t>(end - p));
        std::memcpy(p, text.data(), n);
        p += n;
    };
    if (s.style == log_style::journal) {
        // journald adds the time and the program name; it wants the priority.
        put("<");
        p = std::to_chars(p, end, static_cast<int>(level)).ptr;
        put(">");
        return static_cast<std::size_t>(p - begin);
    }
    if (s.style == log_style::terminal) {
        char stamp[32];
        const std::time_t now = std::time(nullptr);
        std::tm local{};
        ::localtime_r(&now, &local);
        put({stamp, std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S ", &local)});
    }
    put(s.name);
    put("[");
    p = std::to_chars(p, end, static_cast<long>(::getpid())).ptr;
    put("]: ");
    if (level <= log_level::warning) {
        put(to_string(level));
        put(": ");
    }
    return static_cast<std::size_t>(p - begin);
}

void write_line(log_level level, std::string_view message) noexcept
{
    try {
        char prefix[96];
        std::string line(prefix, format_prefix(level, prefix));
        line.reserve(line.size() + message.size() + 1);
        line.append(message);
        line.push_back('\n');
        (void)write_all(STDERR_FILENO, line);
    } catch (...) {
        // Out of memory while logging: nothing useful left to do.
    }
}

namespace {

void program_line(log_level level, std::string_view message) noexcept
{
    try {
        const auto& s = state();
        std::string line = s.style == log_style::journal ? concat('<', static_cast<int>(level), '>') : s.name + ": ";
        line.append(message);
        line.push_back('\n');
        (void)write_all(STDERR_FILENO, line);
    } catch (...) {
    }
}

} // namespace

void fatal(std::string_view message) noexcept
{
    program_line(log_level::error, message);
}

void warn(std::string_view message) noexcept
{
    program_line(log_level::warning, message);
}

} // namespace logging

stack_line::stack_line(log_level level) noexcept
{
    size_ = logging::format_prefix(level, {text_, capacity - 1});
}

stack_line& stack_line::operator<<(std::string_view text) noexcept
{
    const auto n = std::min(text.size(), capacity - 1 - size_);
    std::memcpy(text_ + size_, text.data(), n);
    size_ += n;
    return *this;
}

stack_line& stack_line::operator<<(unsigned long long value) noexcept
{
    const auto r = std::to_chars(text_ + size_, text_ + capacity - 1, value);
    if (r.ec == std::errc())
        size_ = static_cast<std::size_t>(r.ptr - text_);
    return *this;
}

void stack_line::write() noexcept
{
    text_[size_++] = '\n'; // there is always room: the text stops one short
    (void)write_all(STDERR_FILENO, {text_, size_});
}

stack_line& operator<<(stack_line& line, seconds_text s) noexcept
{
    char digits[32];
    char* p = std::to_chars(digits, digits + sizeof digits, s.milliseconds / 1000).ptr;
    *p++ = '.';
    const auto fraction = static_cast<unsigned>(s.milliseconds % 1000);
    *p++ = static_cast<char>('0' + fraction / 100);
    *p++ = static_cast<char>('0' + fraction / 10 % 10);
    *p++ = static_cast<char>('0' + fraction % 10);
    return line << std::string_view(digits, static_cast<std::size_t>(p - digits));
}

} // namespace echo
