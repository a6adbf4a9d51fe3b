// What the soak does to echod while the load runs, one step at a time.
#pragma once

#include "fork_blocker.hpp"

#include <sys/types.h>

#include <filesystem>
#include <set>
#include <string>

namespace chaos {

// SIGKILLs one of echod's children, chosen by `choice` among them. The
// child is stopped first (SIGSTOP through a pidfd, so a recycled pid is
// never hit): a stopped process cannot exit on its own, so the kill is
// certain to be what ends it, and echod must log exactly that. Returns the
// pid killed, or 0 if there was no child to kill.
pid_t kill_a_child(pid_t echod, unsigned choice);

// Replaces the configuration file and sends SIGHUP; returns once echod has
// logged that it reloads (throws if it does not within 10 s).
void reload(pid_t echod, const std::string& log_file, const std::filesystem::path& config, const std::string& text);

// SIGSTOP, 2 s, SIGCONT.
void stop_and_continue(pid_t echod);

// Lowers echod's RLIMIT_NOFILE to its lowest free descriptor for a second,
// so that accept() fails with EMFILE, then restores it.
void exhaust_descriptors(pid_t echod);

// Makes fork() fail for a second.
void fail_forks(const fork_blocker& blocker);

// echod's children that are zombies now.
[[nodiscard]] std::set<pid_t> zombies_of(pid_t echod);

} // namespace chaos
