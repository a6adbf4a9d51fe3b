// libFuzzer target: echo::proxy::parse takes the first bytes of any
// connection on a PROXY listener, from balancers and (before the trust
// check is passed) whatever they relay. It must answer within its bounds
// and keep its promises: a complete header is no longer than the input and
// the limits, parses the same from its own bytes alone, and written again
// by the encoder reads back the same.
#include "echo/proxy_encode.hpp"
#include "echo/proxy_parse.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

namespace proxy = echo::proxy;

bool same_address(const echo::socket_address& a, const echo::socket_address& b)
{
    return a.family == b.family && a.length == b.length && std::memcmp(a.get(), b.get(), a.length) == 0;
}

void check(std::string_view input)
{
    const auto r = proxy::parse(input);
    switch (r.outcome) {
    case proxy::outcome::incomplete:
        // More bytes are asked for only while a header could still fit.
        if (input.size() >= proxy::max_v2_length)
            std::abort();
        return;
    case proxy::outcome::refused:
        if (static_cast<int>(r.reason) >= proxy::refusal_count || proxy::describe(r.reason).empty())
            std::abort();
        return;
    case proxy::outcome::complete:
        break;
    }
    const auto& h = r.parsed;
    if (r.length == 0 || r.length > input.size())
        std::abort();
    if (r.length > (h.version == 1 ? proxy::max_v1_length : proxy::max_v2_length))
        std::abort();
    if (h.unique_id.size() > proxy::max_unique_id)
        std::abort();
    // The bytes after the header are not looked at.
    const auto alone = proxy::parse(input.substr(0, r.length));
    if (alone.outcome != proxy::outcome::complete || alone.length != r.length)
        std::abort();
    // Written again, it reads back the same.
    const std::string again = h.version == 1 ? proxy::encode_v1(h) : proxy::encode_v2(h, h.crc32c_checked);
    const auto back = proxy::parse(again);
    if (back.outcome != proxy::outcome::complete || back.length != again.size())
        std::abort();
    const auto& b = back.parsed;
    if (b.family != h.family || b.command != h.command || b.version != h.version)
        std::abort();
    if (h.family != proxy::family::unknown &&
        (!same_address(b.source, h.source) || !same_address(b.destination, h.destination)))
        std::abort();
    if (h.version == 2 && (b.authority != h.authority || b.unique_id != h.unique_id || b.netns != h.netns ||
                           b.crc32c_checked != h.crc32c_checked))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    check(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
