// Standard input as the stream and UDP modes' writers read it: one read at
// a time when poll says so, the end of the input, a read error (said once),
// and the quit line. What the bytes become (a stream, datagrams) is the
// mode's; when a quit line ends input that is not a terminal, this looks
// once more to tell the user that the rest was not sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace echo_client {

class standard_input {
public:
    standard_input() noexcept;

    // One read into `buffer`: the bytes, or nothing at the end of the input
    // or after a failure (said; failed() then). Only while open().
    [[nodiscard]] std::optional<std::string_view> read(std::span<char> buffer);
    // The bytes just read (`size`) held a quit line (of `letter`) ending
    // `consumed` bytes in, after `at_byte` bytes of the whole input: the
    // input ends there.
    void quit_line(char letter, std::uint64_t at_byte, std::size_t consumed, std::size_t size);
    // After a quit line that ended a read: the next read tells whether more
    // followed (never blocking: poll said it is readable, or it is now).
    void look_past_quit_line(std::span<char> scratch);
    void look_past_quit_line_if_readable(std::span<char> scratch);
    // The connection is gone: read no more.
    void close() noexcept { open_ = looking_ = false; }

    [[nodiscard]] bool open() const noexcept { return open_; }
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    // Open, or looking past the quit line: worth polling.
    [[nodiscard]] bool wanted() const noexcept { return open_ || looking_; }

private:
    void report_quit_line() const;

    bool is_terminal_;
    bool open_ = true;
    bool failed_ = false;
    bool looking_ = false; // a quit line ended input that is not a terminal: did more follow?
    char letter_ = 'q';
    std::uint64_t at_byte_ = 0;
};

} // namespace echo_client
