#include "children/child_exit.hpp"

#include "echo/log.hpp"

#include <cstring>

namespace echod {

void log_child_killed(const std::string& who, int signo)
{
    echo::log(echo::log_level::warning, who, " was killed by signal ", signo, " (", ::strsignal(signo), ")");
}

void log_child_failed(const std::string& who, int exit_status)
{
    echo::log(echo::log_level::warning, who, " exited with status ", exit_status);
}

} // namespace echod
