// echod: a forking TCP echo server. See echod(8).
#include "check_config.hpp"
#include "fork_child.hpp"
#include "listeners.hpp"
#include "monitor.hpp"
#include "options.hpp"
#include "signal_policy.hpp"
#include "supervisor.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"
#include "echo/version.hpp"

#include <iostream>
#include <system_error>

int main(int argc, char* argv[])
{
    // A listening socket must never land on descriptor 2 and receive the log.
    (void)echo::reopen_closed_stdio();
    echo::logging::setup("echod", echo::log_level::info);
    try {
        const auto cli = echod::parse_command_line(argc, argv);
        if (cli.help) {
            std::cout << echod::help_text();
            return echo::exit_status::ok;
        }
        if (cli.version) {
            std::cout << "echod " << echo::version << "\n";
            return echo::exit_status::ok;
        }
        if (cli.check_config)
            return echod::check_config(cli);
        auto cfg = echod::load_config(cli);
        echo::logging::set_threshold(cfg.log_level);
        echod::set_process_wide_signals();
        // Last thing before the first fork: nothing above may have started a thread.
        echod::require_single_threaded();
        // Under systemd: a monitor that holds libsystemd, and an acceptor
        // that never maps it (monitor.hpp). Otherwise the acceptor alone.
        if (echod::under_systemd())
            return echod::run_split(std::move(cfg), cli);
        bool socket_activated = false;
        auto listeners = echod::open_listeners(cfg, socket_activated);
        echod::supervisor server(std::move(cfg), std::move(listeners), cli, socket_activated, echod::notifier());
        return server.run();
    } catch (const echo::fatal_error& e) {
        echo::logging::fatal(e.what());
        return e.exit_status();
    } catch (const std::system_error& e) {
        // A system call failed at start (its name and errno are in the message).
        echo::logging::fatal(e.what());
        return echo::exit_status::os_error;
    } catch (const std::exception& e) {
        echo::logging::fatal(e.what());
        return echo::exit_status::failure;
    }
}
