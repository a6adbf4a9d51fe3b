#include "framer.hpp"

#include <algorithm>
#include <cstring>

namespace echo_client::ping {

framer::framer(std::size_t probe_size)
    : size_(probe_size), buffer_(std::max<std::size_t>(128 * 1024, 4 * probe_size))
{
}

std::span<char> framer::space()
{
    // Keep room for a whole probe plus a header's worth of look-ahead.
    if (buffer_.size() - end_ < size_ + header_size) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    return {buffer_.data() + end_, buffer_.size() - end_};
}

std::optional<framed> framer::next(bool finished)
{
    const std::size_t available = end_ - begin_;
    const char* at = buffer_.data() + begin_;
    if (available == 0)
        return std::nullopt;
    if (available < size_) {
        if (!finished)
            return std::nullopt;
        begin_ = end_; // a probe cut short by the end of the stream
        return framed{framed::kind::garbage, {}, std::nullopt, available};
    }
    if (const auto header = read_header({at, header_size})) {
        framed f{framed::kind::probe, *header, first_difference({at, size_}, *header), size_};
        begin_ += size_;
        return f;
    }
    // Not a probe's start: look for the next one within a probe's length,
    // which needs the header after it too, unless the stream has ended.
    if (!finished && available < size_ + header_size - 1)
        return std::nullopt;
    const std::size_t last = std::min(size_ - 1, available - header_size);
    std::size_t skip = size_;
    for (std::size_t q = 1; q <= last; ++q) {
        if (read_header({at + q, header_size})) {
            skip = q;
            break;
        }
    }
    skip = std::min(skip, available);
    begin_ += skip;
    return framed{framed::kind::garbage, {}, std::nullopt, skip};
}

} // namespace echo_client::ping
