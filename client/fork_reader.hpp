// The fork every mode of echo-client makes: the child reads the socket, the
// parent keeps standard input. One place for what the child must do first.
#pragma once

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/log.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace echo_client {

// Forks; the child runs `reader_body()` and _exits with the status it
// returns (echo::exit_status::failure if it throws, after saying why). The
// child dies with the parent, even one killed with SIGKILL, and exits at
// once with `orphan_status` if the parent was gone before that could take
// hold. It closes standard input, which only the parent reads. Returns the
// child's pid in the parent; throws echo::fatal_error if fork fails.
template <typename Body>
pid_t fork_reader(int orphan_status, Body&& reader_body)
{
    const pid_t parent = ::getpid();
    const pid_t reader = ::fork();
    if (reader < 0)
        throw echo::fatal_error(echo::exit_status::os_error, std::string("cannot fork: ") + std::strerror(errno));
    if (reader > 0)
        return reader;

    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent)
        ::_exit(orphan_status);
    ::close(STDIN_FILENO);
    int status = echo::exit_status::failure;
    try {
        status = reader_body();
    } catch (const std::exception& e) {
        echo::logging::fatal(e.what());
    }
    std::fflush(nullptr);
    ::_exit(status);
}

} // namespace echo_client
