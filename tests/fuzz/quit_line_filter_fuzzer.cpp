// libFuzzer target: echo::protocol::quit_line_filter, fed a random input in
// random pieces, must send exactly what a whole-string reading of the same
// input would send, and agree on whether the quit line was seen.
#include "echo/protocol.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct outcome {
    std::string sent;
    bool quit = false;
};

// The definition, on the whole input: a line (at the start, or after "\n")
// that is exactly "q" or "Q" ended by "\n", "\r\n" or the end of input ends
// the input; it and everything after it is not sent.
outcome reference(std::string_view in)
{
    for (std::size_t start = 0; start <= in.size();) {
        if (start < in.size() && (in[start] == 'q' || in[start] == 'Q')) {
            const auto rest = in.substr(start + 1);
            if (rest.empty() || rest.front() == '\n' || rest.substr(0, 2) == "\r\n")
                return {std::string(in.substr(0, start)), true};
        }
        const auto nl = in.find('\n', start);
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    return {std::string(in), false};
}

// What echo-client's writer does with the filter, one read at a time.
outcome filtered(const std::vector<std::string>& pieces)
{
    echo::protocol::quit_line_filter filter;
    outcome out;
    for (const auto& piece : pieces) {
        const auto step = filter.feed(piece);
        if (step.forward > piece.size())
            std::abort();
        out.sent.append(step.held);
        out.sent.append(piece, 0, step.forward);
        if (step.quit) {
            out.quit = true;
            if (!filter.quit_seen())
                std::abort();
            return out;
        }
    }
    out.sent.append(filter.finish());
    out.quit = filter.quit_seen();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider provider(data, size);
    // The first bytes choose where the input is cut, the rest is the input.
    std::vector<std::size_t> cuts;
    const auto n_cuts = provider.ConsumeIntegralInRange<std::size_t>(0, 16);
    for (std::size_t i = 0; i < n_cuts; ++i)
        cuts.push_back(provider.ConsumeIntegralInRange<std::size_t>(0, 64));
    const std::string input = provider.ConsumeRemainingBytesAsString();

    std::vector<std::string> pieces;
    std::size_t at = 0;
    for (const auto length : cuts) { // lengths of the first pieces; empty pieces too
        const auto take = std::min(length, input.size() - at);
        pieces.push_back(input.substr(at, take));
        at += take;
    }
    pieces.push_back(input.substr(at));

    const auto expected = reference(input);
    const auto got = filtered(pieces);
    if (got.sent != expected.sent || got.quit != expected.quit)
        std::abort();
    return 0;
}
