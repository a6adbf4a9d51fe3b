#include "config/check_config.hpp"

#include "echo/exit_status.hpp"
#include "echo/log.hpp"

#include <exception>
#include <filesystem>
#include <iostream>
#include <system_error>

namespace echod {

int check_config(const command_line& cli)
{
    try {
        // The very call a reload makes (supervisor::reload): same checks, same messages.
        (void)load_config(cli);
    } catch (const std::exception& e) {
        // Whatever stops a reload is a configuration error here, an unreadable
        // named file included: 78, whatever status it would give at start.
        echo::logging::fatal(std::string("configuration check failed: ") + e.what());
        return echo::exit_status::config;
    }
    std::error_code ignored;
    if (cli.config_named || std::filesystem::exists(cli.config_path, ignored))
        std::cout << "echod: configuration " << cli.config_path << " is fine\n";
    else
        std::cout << "echod: no " << cli.config_path << ", the defaults and the command line are fine\n";
    return echo::exit_status::ok;
}

} // namespace echod
