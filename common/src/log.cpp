#include "echo/log.hpp"

#include "echo/child_path.hpp"
#include "echo/io.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
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
ECHO_CHILD_PATH bool enabled(log_level level) noexcept
{
    return static_cast<int>(level) <= static_cast<int>(state().threshold);
}

void append(std::string& out, double value)
{
    char text[32];
    const int n = std::snprintf(text, sizeof text, "%.3f", value);
    out.append(text, n > 0 ? static_cast<std::size_t>(n) : 0);
}

void write_line(log_level level, std::string_view message) noexcept
{
    try {
        const auto& s = state();
        std::string line;
        line.reserve(message.size() + 64);
        if (s.style == log_style::journal) {
            // journald adds the time and the program name; it wants the priority.
            line.push_back('<');
            append(line, static_cast<int>(level));
            line.push_back('>');
        } else {
            if (s.style == log_style::terminal) {
                char stamp[32];
                const std::time_t now = std::time(nullptr);
                std::tm local{};
                ::localtime_r(&now, &local);
                line.append(stamp, std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S ", &local));
            }
            line.append(s.name);
            line.push_back('[');
            append(line, static_cast<long>(::getpid()));
            line.append("]: ");
            if (level <= log_level::warning) {
                line.append(to_string(level));
                line.append(": ");
            }
        }
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
} // namespace echo
