#include "traffic.hpp"

#include "net.hpp"

#include "echo/error.hpp"
#include "echo/io.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <mutex>
#include <random>
#include <stdexcept>

namespace netns {

void gate::arrive_and_wait()
{
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::minutes(5), [&] { return open_; });
}

bool gate::wait_for_arrivals(unsigned n, std::chrono::milliseconds deadline)
{
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] { return arrived_ >= n; });
}

void gate::open()
{
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
}

std::string stream_data(std::size_t n, unsigned seed)
{
    std::string data = test::random_bytes(n, seed);
    for (std::size_t i = 0; i < data.size(); ++i)
        if ((i == 0 || data[i - 1] == '\n') && (data[i] == 'q' || data[i] == 'Q'))
            data[i] = 'x';
    return data;
}

client_stream::client_stream(const network_namespace& ns, std::string data, std::vector<std::string> argv,
                             gate* pause, std::size_t pause_at)
    : data_(std::move(data))
{
    start(ns, std::move(argv), pause, pause_at, pace{});
}

client_stream::client_stream(const network_namespace& ns, std::string data, std::vector<std::string> argv,
                             pace input_pace)
    : data_(std::move(data))
{
    start(ns, std::move(argv), nullptr, 0, input_pace);
}

void client_stream::start(const network_namespace& ns, std::vector<std::string> argv, gate* pause,
                          std::size_t pause_at, pace input_pace)
{
    test::spawn_options o;
    o.argv = std::move(argv);
    o.stdin_mode = test::spawn_options::input::pipe;
    o.stdout_file = dir_ / "stdout";
    o.stderr_file = dir_ / "stderr";
    process_ = ns.spawn(std::move(o));
    feeder_ = std::thread([this, pause, pause_at, input_pace] {
        // A pipe write to a client that died fails with EPIPE: no signal wanted.
        sigset_t pipe_signal;
        sigemptyset(&pipe_signal);
        sigaddset(&pipe_signal, SIGPIPE);
        ::pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
        bool paused = false;
        for (std::size_t at = 0; at < data_.size(); at += input_pace.chunk) {
            if (pause && !paused && at >= pause_at) {
                paused = true;
                pause->arrive_and_wait();
            }
            const auto piece = std::string_view(data_).substr(at, input_pace.chunk);
            if (!echo::write_all(process_.stdin_fd(), piece).ok())
                break;
            fed_ += piece.size();
            if (input_pace.gap.count() > 0)
                std::this_thread::sleep_for(input_pace.gap);
        }
        process_.close_stdin();
    });
}

client_stream::~client_stream()
{
    // A client still running holds the feeder in write(): end it first.
    process_.signal(SIGKILL);
    (void)process_.wait_for(std::chrono::seconds(10));
    if (feeder_.joinable())
        feeder_.join();
}

std::optional<int> client_stream::wait(std::chrono::milliseconds deadline)
{
    auto status = process_.wait_for(deadline);
    if (status && feeder_.joinable())
        feeder_.join();
    return status;
}

namespace {

sockaddr_in ipv4(const std::string& address, unsigned port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1)
        throw std::invalid_argument("not an IPv4 address: " + address);
    return a;
}

} // namespace

round_trip_result run_round_trips(const network_namespace& ns, const std::string& source,
                                  const std::string& server, unsigned port, const round_trip_load& load)
{
    // The sockets are made inside the namespace; connecting and talking can
    // then happen on any thread.
    std::vector<echo::unique_fd> sockets;
    ns.inside([&] {
        const auto from = ipv4(source, 0);
        for (unsigned i = 0; i < load.clients; ++i) {
            echo::unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
            if (!fd)
                echo::throw_errno("socket");
            const int on = 1;
            ::setsockopt(fd.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
            if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0)
                echo::throw_errno("bind " + source);
            sockets.push_back(std::move(fd));
        }
    });

    round_trip_result result;
    std::mutex m;
    const auto to = ipv4(server, port);
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (unsigned c = 0; c < load.clients; ++c)
        threads.emplace_back([&, c] {
            std::mt19937_64 random(1000 + c);
            std::uniform_int_distribution<std::size_t> size(1, load.max_size);
            unsigned exact = 0, wrong = 0, round = 0;
            std::size_t bytes = 0;
            std::string error;
            try {
                const int fd = sockets[c].get();
                if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
                    echo::throw_errno("connect");
                for (; round < load.rounds; ++round) {
                    if (load.halfway && round == load.rounds / 2)
                        load.halfway->arrive_and_wait();
                    const std::string payload = test::random_bytes(size(random), static_cast<unsigned>(random()));
                    test::send_all(fd, payload);
                    if (test::read_exactly(fd, payload.size(), load.round_deadline) == payload) {
                        ++exact;
                        bytes += payload.size();
                    } else {
                        ++wrong;
                    }
                }
            } catch (const std::exception& e) {
                error = "client " + std::to_string(c) + " in round " + std::to_string(round) + ": " + e.what();
            }
            sockets[c].reset();
            const std::lock_guard lock(m);
            result.exact += exact;
            result.wrong += wrong;
            result.bytes += bytes;
            if (!error.empty())
                result.errors.push_back(error);
        });
    for (auto& t : threads)
        t.join();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

} // namespace netns
