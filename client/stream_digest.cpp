#include "stream_digest.hpp"

#include <algorithm>

namespace echo_client {

void block_digests::add(std::string_view data) noexcept
{
    while (!data.empty()) {
        // The last slot takes everything; other blocks end at block_size.
        const std::size_t take =
            in_last_slot() ? data.size() : static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), block_size - in_block_));
        echo::crc32c::update(crc_, in_block_, data.substr(0, take));
        in_block_ += take;
        bytes_ += take;
        data.remove_prefix(take);
        if (in_block_ == block_size && !in_last_slot())
            close_block();
    }
}

void block_digests::finish() noexcept
{
    if (in_block_ > 0)
        close_block();
}

void block_digests::close_block() noexcept
{
    slots_[filled_++] = block_digest{echo::crc32c::finished(crc_)};
    crc_ = echo::crc32c::start;
    in_block_ = 0;
}

echo_verdict compare(const block_digests& sent, const block_digests& echoed) noexcept
{
    const auto a = sent.digests();
    const auto b = echoed.digests();
    const bool same_length = sent.bytes() == echoed.bytes();
    // Slots that cover the same bytes in both streams: all of them when the
    // lengths agree; otherwise the blocks both hold in full, short of the
    // last slot (which may have taken the rest of one stream).
    const std::size_t comparable =
        same_length ? std::min(a.size(), b.size())
                    : static_cast<std::size_t>(std::min<std::uint64_t>(
                          std::min(sent.bytes(), echoed.bytes()) / block_digests::block_size,
                          std::min(sent.capacity(), echoed.capacity()) - 1));
    for (std::size_t i = 0; i < comparable; ++i) {
        if (a[i] == b[i])
            continue;
        const std::uint64_t first = i * block_digests::block_size;
        const bool rest_of_stream = i + 1 == sent.capacity();
        const std::uint64_t end = rest_of_stream ? sent.bytes() : std::min(first + block_digests::block_size, sent.bytes());
        return {echo_verdict::outcome::different, first, end - 1};
    }
    if (echoed.bytes() < sent.bytes())
        return {echo_verdict::outcome::shorter};
    if (echoed.bytes() > sent.bytes())
        return {echo_verdict::outcome::longer};
    return {};
}

} // namespace echo_client
