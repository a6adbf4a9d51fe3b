// echod: a forking TCP echo server. See echod(8).
//
// The processes, each in its folder (server/CMakeLists.txt lists them all):
//   monitor/   under systemd, the main PID: holds libsystemd, never forks per client
//   acceptor/  accepts, forks a session per connection, reaps, reloads, drains
//   session/   what a session child runs: the echo of one connection
//   prefork/   --prefork workers;  udp/  the UDP echo child (--listen-udp)

#include "acceptor/supervisor.hpp"
#include "children/fork_child.hpp"
#include "children/signal_policy.hpp"
#include "config/check_config.hpp"
#include "config/options.hpp"
#include "listen/listeners.hpp"
#include "monitor/control_channel.hpp"
#include "monitor/monitor.hpp"
#include "monitor/notifier.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"
#include "echo/version.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <system_error>

namespace {

// The acceptor under systemd: gets its sockets from the monitor, then serves
// as the single-process echod does.
int run_acceptor(echod::config cfg, const echod::command_line& cli, echo::unique_fd channel, pid_t monitor)
{
    // The monitor gone, the acceptor drains as on SIGTERM: nobody would
    // tell systemd about it any more.
    if (!echod::end_with_monitor(monitor))
        return echo::exit_status::failure;
    auto start = echod::receive_start(channel.get());
    if (!start)
        return echo::exit_status::failure; // the monitor could not listen, and says why
    echod::supervisor server(std::move(cfg), std::move(start->listeners), cli, start->socket_activated,
                             start->notify ? echod::notifier(channel.get(), start->watchdog) : echod::notifier());
    return server.run();
}

// Under systemd: a monitor that holds libsystemd, and an acceptor that never
// maps it (monitor/monitor.hpp). Each returns from main with its own status.
int run_split(echod::config cfg, const echod::command_line& cli)
{
    echo::unique_fd monitor_end, acceptor_end;
    echod::make_channel(monitor_end, acceptor_end);
    // Blocked before the fork, in both: systemd may send SIGTERM to either
    // at any moment, and it must wait for a loop to read it.
    auto signals = echod::monitor_signals();
    const pid_t monitor = ::getpid();
    const pid_t acceptor = ::fork();
    if (acceptor < 0)
        throw echo::fatal_error(echo::exit_status::os_error,
                                std::string("cannot fork the accepting process: ") + std::strerror(errno));
    if (acceptor == 0) {
        signals.keep_blocked_in_child(); // until the acceptor's own signalfd takes them
        monitor_end.reset();
        return run_acceptor(std::move(cfg), cli, std::move(acceptor_end), monitor);
    }
    acceptor_end.reset();
    return echod::run_monitor(cfg, acceptor, std::move(monitor_end), signals);
}

} // namespace

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
        if (echod::under_systemd())
            return run_split(std::move(cfg), cli);
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
