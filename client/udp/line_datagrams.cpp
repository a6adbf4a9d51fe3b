#include "line_datagrams.hpp"

#include <algorithm>

namespace echo_client::udp {

void line_datagrams::add(std::string_view bytes, std::deque<std::string>& out)
{
    while (!bytes.empty()) {
        const std::size_t room = max_size_ - line_.size();
        const std::size_t newline = bytes.substr(0, room).find('\n');
        const std::size_t take = newline == std::string_view::npos ? std::min(room, bytes.size()) : newline + 1;
        line_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (newline != std::string_view::npos || line_.size() == max_size_)
            flush(out);
    }
}

void line_datagrams::flush(std::deque<std::string>& out)
{
    if (line_.empty())
        return;
    out.push_back(std::move(line_));
    line_.clear();
}

line_datagrams::step line_datagrams::feed(std::string_view data, std::deque<std::string>& out)
{
    const auto s = filter_.feed(data);
    add(s.held, out);
    add(data.substr(0, s.forward), out);
    if (s.quit)
        flush(out);
    return {s.quit, s.consumed};
}

void line_datagrams::finish(std::deque<std::string>& out)
{
    add(filter_.finish(), out);
    flush(out);
}

} // namespace echo_client::udp
