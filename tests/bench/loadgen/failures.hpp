// What went wrong during a run, counted by kind, with the first message kept
// for the human line.
#pragma once

#include "exchange.hpp"
#include "exit_codes.hpp"

#include <cstdint>
#include <cstring>
#include <string>

namespace bench {

struct failures {
    std::uint64_t data = 0;    // bytes lost, corrupted or in excess
    std::uint64_t connect = 0; // refused, reset or timed out before echoing
    bool stalled = false;      // nothing moved for --timeout
    std::string first;

    void note_data(const std::string& what) { ++data; keep(what); }
    void note_connect(const std::string& what) { ++connect; keep(what); }
    void note_stall(const std::string& what) { stalled = true; keep(what); }

    // Sorts a failed exchange step into the right count.
    void note(step s, int error, const std::string& where)
    {
        if (s == step::failed)
            note_connect(where + ": " + std::strerror(error));
        else
            note_data(where + ": " + describe(s));
    }

    [[nodiscard]] bool any() const noexcept { return data > 0 || connect > 0 || stalled; }
    [[nodiscard]] int exit_status() const noexcept
    {
        if (data > 0)
            return exit_data_error;
        return connect > 0 || stalled ? exit_unreachable : exit_ok;
    }

private:
    void keep(const std::string& what)
    {
        if (first.empty())
            first = what;
    }
};

} // namespace bench
