// 5,000 clients at once against --max-connections 100: the parent must never
// run more than 100 children, every client must end served or cleanly
// refused, and a well-behaved client must get its turn.
#include "daemon.hpp"
#include "loopback.hpp"
#include "proc.hpp"

#include "echo/unique_fd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

using clock_type = std::chrono::steady_clock;

struct flood_client {
    echo::unique_fd fd;
    enum class state { connecting, echoing, holding, served, refused } st = state::connecting;
    std::string expected;
    std::string got;
    clock_type::time_point release; // when a served client hangs up
};

// Samples the number of children (zombies included) as often as it can.
class child_sampler {
public:
    explicit child_sampler(pid_t pid)
        : thread_([this, pid] {
              while (!stop_) {
                  const auto n = test::children_of(pid).size();
                  if (n > max_)
                      max_ = n;
                  ++samples_;
                  std::this_thread::sleep_for(std::chrono::microseconds(500));
              }
          })
    {
    }
    ~child_sampler() { finish(); }
    void finish()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    std::size_t max() const { return max_; }
    std::size_t samples() const { return samples_; }

private:
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> max_{0};
    std::atomic<std::size_t> samples_{0};
    std::thread thread_;
};

TEST(Flood, NeverMoreChildrenThanMaxConnectionsAndEveryClientEnds)
{
    constexpr int clients = 5000;
    constexpr std::size_t max_connections = 100;
    // Each served client keeps its connection this long, so that the limit
    // binds with live children, not with exited ones the parent has yet to
    // reap (it reaps before it concludes it is at the limit). Under ASan a
    // fork costs ~5 ms, so at 20 ms no more than a few children lived at once.
#ifdef ECHO_STRESS_SANITIZED
    constexpr auto hold = 600ms;
#else
    constexpr auto hold = 20ms;
#endif
    ASSERT_GE(stress::raise_nofile_limit(clients + 200), static_cast<rlim_t>(clients + 100));
    stress::daemon echod({"--max-connections", "100", "--max-per-source", "0", "--backlog", "4096", "--log-level",
                          "notice"});
    child_sampler sampler(echod.pid());

    const echo::unique_fd ep(::epoll_create1(EPOLL_CLOEXEC));
    ASSERT_TRUE(ep);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(echod.port()));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::vector<flood_client> flood(clients);
    for (int i = 0; i < clients; ++i) {
        auto& c = flood[i];
        c.fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        ASSERT_TRUE(c.fd) << std::strerror(errno);
        c.expected = "flood client " + std::to_string(i) + "\n";
        if (::connect(c.fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
            ASSERT_EQ(errno, EINPROGRESS) << std::strerror(errno);
        }
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.u32 = static_cast<std::uint32_t>(i);
        ASSERT_EQ(::epoll_ctl(ep.get(), EPOLL_CTL_ADD, c.fd.get(), &ev), 0);
    }

    // The well-behaved client, from another source, once the flood has filled every slot.
    std::atomic<bool> polite_served{false};
    std::thread polite([&] {
        if (!test::eventually([&] { return sampler.max() >= max_connections; }, 60s))
            return;
        try {
            const auto fd = stress::connect_from("127.0.0.2", echod.port());
            polite_served = stress::echoes(fd.get(), "polite client\n", 90s);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "well-behaved client: %s\n", e.what());
        }
    });

    int finished = 0, served = 0, refused = 0;
    const auto deadline = clock_type::now() + 180s;
    std::vector<int> holding;
    epoll_event events[256];
    while (finished < clients && clock_type::now() < deadline) {
        const int n = ::epoll_wait(ep.get(), events, 256, 5);
        for (int e = 0; e < n; ++e) {
            auto& c = flood[events[e].data.u32];
            auto finish = [&](flood_client::state how) {
                ::epoll_ctl(ep.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
                ++finished;
                (how == flood_client::state::served ? served : refused) += 1;
                if (how == flood_client::state::served) {
                    c.st = flood_client::state::holding;
                    c.release = clock_type::now() + hold;
                    holding.push_back(static_cast<int>(events[e].data.u32));
                } else {
                    c.st = how;
                    c.fd.reset();
                }
            };
            if (c.st == flood_client::state::connecting) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0) {
                    finish(flood_client::state::refused);
                    continue;
                }
                // Small enough for one send on a fresh connection.
                if (::send(c.fd.get(), c.expected.data(), c.expected.size(), MSG_NOSIGNAL) !=
                    static_cast<ssize_t>(c.expected.size())) {
                    finish(flood_client::state::refused);
                    continue;
                }
                c.st = flood_client::state::echoing;
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.u32 = events[e].data.u32;
                ::epoll_ctl(ep.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
            } else if (c.st == flood_client::state::echoing) {
                char buf[256];
                const ssize_t r = ::recv(c.fd.get(), buf, sizeof buf, 0);
                if (r < 0 && errno == EAGAIN)
                    continue;
                if (r <= 0) {
                    finish(flood_client::state::refused); // closed or reset: refused cleanly
                    continue;
                }
                c.got.append(buf, static_cast<std::size_t>(r));
                if (c.got.size() >= c.expected.size()) {
                    EXPECT_EQ(c.got, c.expected);
                    finish(flood_client::state::served);
                }
            }
        }
        const auto now = clock_type::now();
        std::erase_if(holding, [&](int i) {
            if (flood[i].release > now)
                return false;
            flood[i].st = flood_client::state::served;
            flood[i].fd.reset();
            return true;
        });
    }
    polite.join();
    for (int i : holding)
        flood[i].fd.reset();
    sampler.finish();

    std::printf("%d clients: %d served, %d refused, %d unfinished; at most %zu children in %zu samples\n", clients,
                served, refused, clients - finished, sampler.max(), sampler.samples());
    EXPECT_EQ(finished, clients) << "clients still waiting at the deadline";
    EXPECT_LE(sampler.max(), max_connections);
    // The limit was reached, or the test proved nothing.
    EXPECT_GE(sampler.max(), max_connections * 9 / 10);
    EXPECT_GT(served, 0);
    EXPECT_TRUE(polite_served) << "a well-behaved client was not served during the flood";
    EXPECT_TRUE(echod.log_contains("max-connections (100) reached"));
    EXPECT_TRUE(stress::all_children_reaped(echod.pid()));
    EXPECT_TRUE(test::alive(echod.pid()));
    EXPECT_EQ(echod.stop(), 0) << echod.log();
}

} // namespace
