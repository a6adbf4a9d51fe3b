#include "echo/protocol.hpp"

#include <cstring>

namespace echo::protocol {

quit_line_filter::step quit_line_filter::feed(std::string_view input)
{
    release_.clear();
    if (quit_)
        return {{}, 0, true, 0};

    std::size_t safe = 0; // input[0, safe) is known to be data
    std::size_t i = 0;
    // The bytes that began a possible quit line were data after all.
    auto candidate_was_data = [&] {
        if (!held_.empty()) {
            // Held from the previous input (only ever at the start of this one): they go out first.
            release_.swap(held_);
            held_.clear();
        }
        state_ = state::in_line;
        safe = ++i;
    };

    while (i < input.size() && !quit_) {
        const char c = input[i];
        switch (state_) {
        case state::in_line:
            if (const void* nl = std::memchr(input.data() + i, '\n', input.size() - i)) {
                i = static_cast<std::size_t>(static_cast<const char*>(nl) - input.data()) + 1;
                state_ = state::line_start;
            } else {
                i = input.size();
            }
            safe = i;
            break;
        case state::line_start:
            ++i;
            if (c == 'q' || c == 'Q') {
                state_ = state::saw_q;
                letter_ = c;
            } else {
                state_ = c == '\n' ? state::line_start : state::in_line;
                safe = i;
            }
            break;
        case state::saw_q:
            if (c == '\n')
                quit_ = true;
            else if (c == '\r')
                state_ = state::saw_q_cr, ++i;
            else
                candidate_was_data();
            break;
        case state::saw_q_cr:
            if (c == '\n')
                quit_ = true;
            else
                candidate_was_data();
            break;
        }
    }
    if (quit_) {
        held_.clear();
        return {release_, safe, true, i + 1}; // input[i] is the quit line's "\n"
    }
    // What follows `safe` may still become a quit line: hold it.
    held_.append(input.substr(safe));
    return {release_, safe, false, input.size()};
}

std::string_view quit_line_filter::finish()
{
    release_.clear();
    if (quit_)
        return {};
    if (state_ == state::saw_q) {
        quit_ = true; // a last line "q" ended by end of input
        held_.clear();
        return {};
    }
    release_.swap(held_);
    held_.clear();
    return release_;
}

} // namespace echo::protocol
