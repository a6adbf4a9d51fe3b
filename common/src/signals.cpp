#include "echo/signals.hpp"

#include "echo/error.hpp"

#include <cerrno>

namespace echo {

signal_events::signal_events(std::initializer_list<int> signals)
{
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals)
        sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, &previous_) != 0)
        throw_errno("sigprocmask");
    // What children restore never blocks these signals, even when an earlier
    // owner blocked them already (echod's monitor blocks them before it forks
    // the acceptor, so a SIGTERM during start-up waits for a loop to read it).
    for (int s : signals)
        sigdelset(&previous_, s);
    fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!fd_) {
        const int err = errno;
        ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
        throw system_error(err, "signalfd");
    }
}

signal_events::~signal_events()
{
    if (fd_)
        ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
}

std::optional<signalfd_siginfo> signal_events::next()
{
    signalfd_siginfo info{};
    for (;;) {
        const ssize_t n = ::read(fd_.get(), &info, sizeof info);
        if (n == static_cast<ssize_t>(sizeof info))
            return info;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return std::nullopt;
        throw_errno("read signalfd");
    }
}

void signal_events::release_in_child() noexcept
{
    fd_.reset();
    ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
}

void signal_events::keep_blocked_in_child() noexcept
{
    fd_.reset();
}

void ignore_sigpipe() noexcept
{
    struct sigaction sa{};
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGPIPE, &sa, nullptr);
}

void interrupt_on(int signo, void (*handler)(int)) noexcept
{
    struct sigaction sa{};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: blocking calls return EINTR
    ::sigaction(signo, &sa, nullptr);
}

void interrupt_on(int signo, void (*handler)(int, siginfo_t*, void*)) noexcept
{
    struct sigaction sa{};
    sa.sa_sigaction = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO; // no SA_RESTART, as above
    ::sigaction(signo, &sa, nullptr);
}

void default_action(int signo) noexcept
{
    struct sigaction sa{};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    ::sigaction(signo, &sa, nullptr);
}

} // namespace echo
