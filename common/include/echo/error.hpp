// Errors carry errno and what we were doing, so one line on stderr can say
// what failed and why.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace echo {

// A std::system_error for `err` (an errno value) with `context` such as
// "bind [::]:7".
[[nodiscard]] std::system_error system_error(int err, const std::string& context);

// Throws system_error(errno, context).
[[noreturn]] void throw_errno(const std::string& context);

// An error with the exit status the program should end with. Thrown for
// failures a user can cause and fix (bad option, address in use, ...), each
// with its own documented status.
class fatal_error : public std::runtime_error {
public:
    fatal_error(int exit_status, const std::string& message)
        : std::runtime_error(message), status_(exit_status) {}
    [[nodiscard]] int exit_status() const noexcept { return status_; }

private:
    int status_;
};

} // namespace echo
