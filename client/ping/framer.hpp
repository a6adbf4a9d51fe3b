// Cuts the echoed byte stream back into probes. A server that changes bytes
// in place leaves the framing intact; one that drops or adds bytes shifts
// it, and the framer finds the next intact probe header to carry on from, so
// one bad echo does not make every later probe look corrupted.
#pragma once

#include "probe.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace echo_client::ping {

struct framed {
    enum class kind {
        probe,   // a probe whose header checks: `header` can be trusted
        garbage, // `bytes` bytes that belong to no probe we can name
    };
    kind what = kind::probe;
    probe_header header;
    std::optional<std::size_t> first_difference; // probe: offset of the first changed byte
    std::size_t bytes = 0;                       // garbage: how many
};

class framer {
public:
    explicit framer(std::size_t probe_size);

    // Where the next read may put bytes (never empty), then how many it put.
    [[nodiscard]] std::span<char> space();
    void commit(std::size_t bytes) noexcept { end_ += bytes; }

    // The next probe or run of garbage, or nothing until more bytes come.
    // After end of file (`finished`), leftover bytes come out as garbage.
    [[nodiscard]] std::optional<framed> next(bool finished);

private:
    std::size_t size_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0; // first byte not yet framed
    std::size_t end_ = 0;   // one past the last byte read
};

} // namespace echo_client::ping
