#include "standard_input.hpp"

#include "echo/io.hpp"
#include "echo/log.hpp"

#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace echo_client {

standard_input::standard_input() noexcept : is_terminal_(::isatty(STDIN_FILENO) == 1) {}

std::optional<std::string_view> standard_input::read(std::span<char> buffer)
{
    const auto in = echo::read_some(STDIN_FILENO, buffer);
    if (!in.ok()) {
        echo::logging::fatal(std::string("cannot read standard input: ") + std::strerror(in.error));
        failed_ = true;
    }
    if (!in.ok() || in.bytes == 0) {
        open_ = false;
        return std::nullopt;
    }
    return std::string_view(buffer.data(), in.bytes);
}

void standard_input::quit_line(char letter, std::uint64_t at_byte, std::size_t consumed, std::size_t size)
{
    open_ = false; // what follows the quit line is not sent
    letter_ = letter;
    at_byte_ = at_byte;
    // A person at a terminal typed q on purpose; data that merely holds such
    // a line should not lose its end without a word.
    if (is_terminal_)
        return;
    if (consumed < size)
        report_quit_line();
    else
        looking_ = true; // the read ended with the quit line: the next one tells
}

void standard_input::look_past_quit_line(std::span<char> scratch)
{
    looking_ = false;
    const auto in = echo::read_some(STDIN_FILENO, scratch);
    if (in.ok() && in.bytes > 0)
        report_quit_line();
}

// The whole echo can be back, and the reader gone, before the writer came
// round to look past the quit line: look now, if the input has something
// to read at once.
void standard_input::look_past_quit_line_if_readable(std::span<char> scratch)
{
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (looking_ && ::poll(&in, 1, 0) == 1 && (in.revents & POLLIN) != 0)
        look_past_quit_line(scratch);
}

void standard_input::report_quit_line() const
{
    echo::logging::warn(echo::concat("input ended at a '", letter_, "' line at byte ", at_byte_,
                                     "; the rest was not sent; --raw sends everything"));
}

} // namespace echo_client
