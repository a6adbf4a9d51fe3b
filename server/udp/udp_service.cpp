#include "udp/udp_service.hpp"

#include "udp/datagram_echo.hpp"

#include "children/descriptors.hpp"
#include "children/fork_child.hpp"

#include "echo/log.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace echod::udp {
namespace {

using namespace std::chrono_literals;
using echo::log;
using echo::log_level;

// A child that keeps dying is restarted after 100 ms, then 200 ms, ... up to
// 30 s; one that ran a minute starts the count afresh.
constexpr std::chrono::milliseconds first_backoff = 100ms;
constexpr std::chrono::milliseconds longest_backoff = 30s;
constexpr auto healthy_run = 60s;

} // namespace

std::vector<listener> take_datagram_sockets(std::vector<listener>& listeners)
{
    std::vector<listener> datagram;
    const auto first = std::stable_partition(listeners.begin(), listeners.end(),
                                             [](const listener& l) { return !l.datagram; });
    std::move(first, listeners.end(), std::back_inserter(datagram));
    listeners.erase(first, listeners.end());
    return datagram;
}

udp_service::udp_service(std::vector<listener> sockets, const udp_settings& settings, const sigset_t& child_mask)
    : sockets_(std::move(sockets)),
      names_(describe(sockets_)),
      settings_(settings),
      child_mask_(child_mask),
      start_at_(sockets_.empty() ? clock::time_point::max() : clock::time_point::min()),
      backoff_(first_backoff)
{
}

void udp_service::start()
{
    start_at_ = clock::time_point::max();
    std::vector<int> fds;
    for (const auto& s : sockets_)
        fds.push_back(s.fd.get());
    std::sort(fds.begin(), fds.end());
    const pid_t parent = ::getpid();
    const pid_t pid = fork_child();
    if (pid < 0) {
        log(log_level::error, "cannot fork the UDP echo process: ", std::strerror(errno));
        schedule_restart(clock::now());
        return;
    }
    if (pid == 0) {
        // Only the datagram sockets: a TCP listener must die with the parent alone.
        close_all_except(fds);
        // The parent gone (killed), nobody would end this child.
        if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent)
            ::_exit(0);
        install_udp_signal_actions();
        ::_exit(serve_datagrams(fds, settings_, child_mask_));
    }
    if (started_ != clock::time_point{})
        ++restarts_; // not the first start
    pid_ = pid;
    started_ = clock::now();
    log(log_level::info, "UDP echo on ", names_, " served by pid ", pid);
}

bool udp_service::on_reaped(pid_t pid, int status)
{
    if (pid_ <= 0 || pid != pid_)
        return false;
    pid_ = 0;
    if (stopping_)
        return true;
    const auto now = clock::now();
    if (now - started_ >= healthy_run)
        backoff_ = first_backoff;
    if (WIFSIGNALED(status))
        log(log_level::warning, "the UDP echo process (pid ", pid, ") was killed by signal ", WTERMSIG(status), " (",
            ::strsignal(WTERMSIG(status)), "); restarting it in ", backoff_.count(), " ms");
    else
        log(log_level::warning, "the UDP echo process (pid ", pid, ") exited with status ", WEXITSTATUS(status),
            "; restarting it in ", backoff_.count(), " ms");
    schedule_restart(now);
    return true;
}

void udp_service::schedule_restart(clock::time_point now)
{
    start_at_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, longest_backoff);
}

void udp_service::signal_all(int signo) noexcept
{
    if (pid_ > 0)
        ::kill(pid_, signo);
}

void udp_service::stop()
{
    stopping_ = true;
    start_at_ = clock::time_point::max();
    signal_all(SIGTERM);
    sockets_.clear(); // the child holds its own copies
}

void udp_service::on_timers(clock::time_point now)
{
    if (now >= start_at_ && !stopping_ && pid_ == 0)
        start();
}

void udp_service::append_status(std::string& line) const
{
    if (names_.empty())
        return;
    if (stopping_)
        return;
    line += pid_ > 0 ? ", UDP echo on " + names_ : ", UDP echo restarting";
    if (restarts_ > 0)
        line += " (restarted " + std::to_string(restarts_) + (restarts_ == 1 ? " time)" : " times)");
}

} // namespace echod::udp
