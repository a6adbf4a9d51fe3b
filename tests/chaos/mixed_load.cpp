#include "mixed_load.hpp"

#include "loopback.hpp"
#include "net.hpp"

#include "echo/address.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace chaos {
namespace {

using namespace std::chrono_literals;

// Longer than anything the chaos does to echod (a 2 s SIGSTOP, a full
// max-connections queue behind 3 s holders): silence this long is a hang.
constexpr auto silence_limit = 30s;

enum kind : unsigned { short_session, stream, holder, slowloris, resetter, kinds };
constexpr const char* kind_names[kinds] = {"short", "stream", "holder", "slowloris", "resetter"};

std::string local_address(int fd)
{
    sockaddr_storage a{};
    socklen_t length = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) != 0)
        return "?";
    return echo::to_string(reinterpret_cast<const sockaddr*>(&a), length);
}

// Reads the echo of `sent`, checking every byte as it arrives.
class checked_reader {
public:
    enum class result { reached, closed, mismatch, silent };

    checked_reader(int fd, const std::string& sent) : fd_(fd), sent_(sent) {}

    // Until `target` bytes have come back in all.
    result read_until(std::size_t target)
    {
        char buffer[64 * 1024];
        while (received_ < target) {
            pollfd p{fd_, POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(silence_limit).count()));
            if (ready < 0 && errno == EINTR)
                continue;
            if (ready == 0)
                return result::silent;
            const ssize_t n = ::read(fd_, buffer, std::min(sizeof buffer, target - received_));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return result::closed; // end of file, or a reset
            if (sent_.compare(received_, static_cast<std::size_t>(n), buffer, static_cast<std::size_t>(n)) != 0)
                return result::mismatch;
            received_ += static_cast<std::size_t>(n);
        }
        return result::reached;
    }

    // After our half-close: the server must close, with nothing more to say.
    result expect_close()
    {
        char extra[1];
        for (;;) {
            pollfd p{fd_, POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(silence_limit).count()));
            if (ready < 0 && errno == EINTR)
                continue;
            if (ready == 0)
                return result::silent;
            const ssize_t n = ::read(fd_, extra, sizeof extra);
            if (n < 0 && errno == EINTR)
                continue;
            return n > 0 ? result::mismatch : result::reached;
        }
    }

    [[nodiscard]] std::size_t received() const noexcept { return received_; }

private:
    int fd_;
    const std::string& sent_;
    std::size_t received_ = 0;
};

// Sends `data` from a thread of its own, a byte every `gap` if given, and
// half-closes after the last byte unless `then_shutdown` is false. Stops
// early (without shutting down) when abort() is called or the peer is gone.
class background_writer {
public:
    background_writer(int fd, const std::string& data, std::chrono::milliseconds gap, bool then_shutdown)
        : thread_([this, fd, &data, gap, then_shutdown] {
              std::size_t at = 0;
              while (at < data.size() && !abort_) {
                  pollfd p{fd, POLLOUT, 0};
                  if (::poll(&p, 1, 50) <= 0)
                      continue;
                  const std::size_t piece = gap.count() > 0 ? 1 : data.size() - at;
                  const ssize_t n = ::send(fd, data.data() + at, piece, MSG_DONTWAIT | MSG_NOSIGNAL);
                  if (n < 0 && (errno == EAGAIN || errno == EINTR))
                      continue;
                  if (n <= 0)
                      return; // the server is gone: the reader sees why
                  at += static_cast<std::size_t>(n);
                  if (gap.count() > 0)
                      std::this_thread::sleep_for(gap);
              }
              if (at == data.size() && then_shutdown)
                  ::shutdown(fd, SHUT_WR);
          })
    {
    }
    ~background_writer()
    {
        abort_ = true;
        thread_.join();
    }
    background_writer(const background_writer&) = delete;
    background_writer& operator=(const background_writer&) = delete;

private:
    std::atomic<bool> abort_{false};
    std::thread thread_;
};

} // namespace

mixed_load::mixed_load(unsigned port) : port_(port)
{
    const struct {
        unsigned kind, threads;
        const char* source_prefix;
        bool one_source; // all threads from one address
    } plan[] = {
        {short_session, 4, "127.0.0.1", false}, // 127.0.0.10-13
        {stream, 2, "127.0.0.2", false},        // 127.0.0.20-21
        {holder, 8, "127.0.0.30", true},
        {slowloris, 3, "127.0.0.40", true},
        {resetter, 2, "127.0.0.5", false}, // 127.0.0.50-51
    };
    unsigned seed = 1;
    for (const auto& p : plan)
        for (unsigned t = 0; t < p.threads; ++t) {
            const std::string source = p.one_source ? p.source_prefix : p.source_prefix + std::to_string(t);
            threads_.emplace_back([this, kind = p.kind, source, s = seed++] { loop(kind, source, s); });
        }
}

mixed_load::~mixed_load() { stop(); }

void mixed_load::stop()
{
    stopping_ = true;
    for (auto& t : threads_)
        if (t.joinable())
            t.join();
}

load_figures mixed_load::figures() const
{
    const std::lock_guard lock(mutex_);
    return figures_;
}

void mixed_load::record(outcome o, const std::string& peer, unsigned long long bytes, const std::string& detail)
{
    const std::lock_guard lock(mutex_);
    auto& f = figures_;
    ++f.sessions;
    f.bytes_echoed += bytes;
    switch (o) {
    case outcome::complete: ++f.complete; break;
    case outcome::refused: ++f.refused; break;
    case outcome::cut: ++f.cut; break;
    case outcome::reset_by_us: ++f.reset_by_us; break;
    case outcome::wrong: ++f.wrong; break;
    case outcome::hung: ++f.hung; break;
    }
    if ((o == outcome::wrong || o == outcome::hung) && f.failures.size() < 20)
        f.failures.push_back(peer + ": " + detail);
}

void mixed_load::loop(unsigned k, const std::string& source, unsigned seed)
{
    std::mt19937 random(seed);
    const auto pick = [&](unsigned lo, unsigned hi) { return std::uniform_int_distribution<unsigned>(lo, hi)(random); };
    const auto seed_of_next = [&] { return static_cast<unsigned>(random()); };
    while (!stopping_) {
        std::string data;
        switch (k) {
        case short_session: data = test::random_bytes(pick(1, 2048), seed_of_next()); break;
        case stream: data = test::random_bytes(2 << 20, seed_of_next()); break;
        case holder: data = test::random_bytes(32, seed_of_next()); break;
        case slowloris: data = test::random_bytes(64, seed_of_next()); break;
        case resetter: data = test::random_bytes(1 << 20, seed_of_next()); break;
        }
        echo::unique_fd fd;
        try {
            fd = stress::connect_from(source, port_);
        } catch (const std::exception& e) {
            record(outcome::hung, source, 0, std::string(kind_names[k]) + ": " + e.what());
            std::this_thread::sleep_for(100ms);
            continue;
        }
        const std::string peer = local_address(fd.get());
        checked_reader reader(fd.get(), data);
        using r = checked_reader::result;
        r got = r::reached;
        bool reset_by_us = false;
        if (k == short_session || k == holder) {
            // Synchronous: the payload fits in the socket buffers.
            const std::size_t first = k == holder ? data.size() / 2 : data.size();
            test::send_all(fd.get(), std::string_view(data).substr(0, first));
            got = reader.read_until(first);
            if (got == r::reached && k == holder) {
                std::this_thread::sleep_for(std::chrono::milliseconds(pick(1000, 3000)));
                try {
                    test::send_all(fd.get(), std::string_view(data).substr(first));
                } catch (const std::exception&) {
                    // closed meanwhile: the read says so
                }
                got = reader.read_until(data.size());
            }
            if (got == r::reached) {
                ::shutdown(fd.get(), SHUT_WR);
                got = reader.expect_close();
            }
        } else {
            const auto gap = k == slowloris ? 30ms : 0ms;
            const std::size_t target = k == resetter ? pick(200'000, 300'000) : data.size();
            {
                background_writer writer(fd.get(), data, gap, k != resetter);
                got = reader.read_until(target);
            }
            if (got == r::reached && k == resetter) {
                test::set_linger_reset(fd.get());
                reset_by_us = true;
            } else if (got == r::reached) {
                got = reader.expect_close();
            }
        }
        const auto bytes = reader.received();
        const std::string what = std::string(kind_names[k]) + " after " + std::to_string(bytes) + " of " +
                                 std::to_string(data.size()) + " bytes";
        switch (got) {
        case r::reached:
            record(reset_by_us ? outcome::reset_by_us : outcome::complete, peer, bytes, what);
            break;
        case r::closed:
            record(bytes == 0 ? outcome::refused : outcome::cut, peer, bytes, what);
            break;
        case r::mismatch:
            record(outcome::wrong, peer, bytes, what + ": a byte differs from what was sent");
            break;
        case r::silent:
            record(outcome::hung, peer, bytes, what + ": silent for 30 s");
            break;
        }
        fd.reset();
        if (k == stream || k == resetter)
            std::this_thread::sleep_for(200ms);
        else
            std::this_thread::sleep_for(2ms);
    }
}

} // namespace chaos
