// Signals as events: the daemon and the client block the signals they care
// about and read them from a signalfd in their main loop, so no handler ever
// runs async-signal-unsafe code.
#pragma once

#include "echo/unique_fd.hpp"

#include <signal.h>
#include <sys/signalfd.h>

#include <initializer_list>
#include <optional>

namespace echo {

// A set of signals, blocked for the calling thread and readable from a
// non-blocking, close-on-exec signalfd. The previous mask is kept so a forked
// child can restore it before it does its own work.
class signal_events {
public:
    explicit signal_events(std::initializer_list<int> signals);
    ~signal_events();
    signal_events(const signal_events&) = delete;
    signal_events& operator=(const signal_events&) = delete;

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }

    // The next pending signal, or nothing when none is pending.
    [[nodiscard]] std::optional<signalfd_siginfo> next();

    // In a forked child: close the signalfd and restore the original mask.
    void release_in_child() noexcept;

    // In a forked child that blocks the same signals for itself next: close
    // the signalfd, keep the mask (so nothing slips through in between).
    void keep_blocked_in_child() noexcept;

    // The mask from before these signals were blocked, with none of them blocked.
    [[nodiscard]] const sigset_t& previous_mask() const noexcept { return previous_; }

private:
    unique_fd fd_;
    sigset_t previous_{};
};

// Makes a write to a vanished peer an EPIPE error instead of a fatal signal.
void ignore_sigpipe() noexcept;

// Installs `handler` for `signo` without SA_RESTART, so a blocking call
// returns EINTR and the caller can look at the flag the handler set.
void interrupt_on(int signo, void (*handler)(int)) noexcept;
// The same for a handler that reads the signal's siginfo (a value sent with sigqueue()).
void interrupt_on(int signo, void (*handler)(int, siginfo_t*, void*)) noexcept;

// Restores the default action for `signo`.
void default_action(int signo) noexcept;

} // namespace echo
