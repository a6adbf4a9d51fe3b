// Standard input cut into datagrams for echo-client --udp: each line (with
// its "\n") is one datagram, a line longer than a datagram goes as several,
// and the quit line ends the input as in the stream mode.
#pragma once

#include "echo/protocol.hpp"

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace echo_client::udp {

class line_datagrams {
public:
    explicit line_datagrams(std::size_t max_size) : max_size_(max_size) {}

    struct step {
        bool quit = false;        // the quit line was found: the input ends here
        std::size_t consumed = 0; // bytes of the input used up (up to the quit line's end)
    };

    // Appends to `out` every datagram `data` completes; with `quit`, also the
    // unfinished line before the quit line, if any.
    [[nodiscard]] step feed(std::string_view data, std::deque<std::string>& out);
    // End of input: what is still held goes out (a last line without "\n").
    void finish(std::deque<std::string>& out);

    [[nodiscard]] char quit_letter() const noexcept { return filter_.quit_letter(); }

private:
    void add(std::string_view bytes, std::deque<std::string>& out);
    void flush(std::deque<std::string>& out);

    std::size_t max_size_;
    echo::protocol::quit_line_filter filter_;
    std::string line_; // the line being gathered
};

} // namespace echo_client::udp
