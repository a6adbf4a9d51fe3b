// The echo protocol (RFC 862): every byte received is sent back, nothing else
// is said. What the client adds is the quit line: a line that is exactly "q"
// or "Q" (ended by "\n" or "\r\n") ends the input; it and anything after it
// is not sent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace echo::protocol {

// RFC 862 assigns TCP port 7.
inline constexpr std::string_view default_port = "7";

// Finds the quit line in a stream that arrives in arbitrary pieces. A "q" at
// the start of a line may turn out to be the quit line only after the next
// read, so the filter holds such bytes back until it knows.
class quit_line_filter {
public:
    struct step {
        std::string_view held;   // bytes held back from earlier input, to send first
        std::size_t forward = 0; // then this many leading bytes of the input
        bool quit = false;       // the quit line was found: send the above, then stop
        // Bytes of the input used up: all of it, or with `quit` up to and
        // including the quit line's "\n" (what follows it was not sent).
        std::size_t consumed = 0;
    };

    // Consumes `input`. The views in the result stay valid until the next call.
    [[nodiscard]] step feed(std::string_view input);

    // End of input. A held "q" counts as a quit line ended by end of input
    // (nothing more to send); a held "q\r" is data and is returned to be sent.
    [[nodiscard]] std::string_view finish();

    [[nodiscard]] bool quit_seen() const noexcept { return quit_; }
    // The letter of the quit line seen ('q' or 'Q'); '\0' before one is seen.
    [[nodiscard]] char quit_letter() const noexcept { return quit_ ? letter_ : '\0'; }

private:
    enum class state { line_start, in_line, saw_q, saw_q_cr };
    state state_ = state::line_start;
    std::string held_;    // "q" or "q\r" carried over from the last input
    std::string release_; // held bytes handed back in the last step
    bool quit_ = false;
    char letter_ = '\0'; // of the line that may be the quit line
};

} // namespace echo::protocol
