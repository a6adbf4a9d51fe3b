// The parent half of echo-client --udp: standard input to the socket, one
// datagram a line (or a read, with --raw), within the book's window; then it
// waits for the reader to settle every datagram and says how it went.
#pragma once

#include "datagram_book.hpp"

#include "echo/signals.hpp"

#include <sys/types.h>

#include <chrono>
#include <string>

namespace echo_client::udp {

struct writer_setup {
    int socket = -1;
    int wake = -1; // eventfd: tells the reader that the input ended
    int room = -1; // eventfd: the reader settled datagrams
    pid_t reader = -1;
    std::string server;
    bool raw = false;
    std::chrono::nanoseconds timeout{};
};

// Returns echo-client's exit status (see echo-client(1), --udp).
[[nodiscard]] int run_datagram_writer(const writer_setup& setup, echo::signal_events& signals, datagram_records& book);

} // namespace echo_client::udp
