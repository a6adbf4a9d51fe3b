// echo-client: talk to an echo server; see echo-client(1).
#include "link_timeout.hpp"
#include "options.hpp"
#include "ping/run.hpp"
#include "proxy_preamble.hpp"
#include "split_io.hpp"
#include "udp/run.hpp"

#include "echo/address.hpp"
#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"
#include "echo/signals.hpp"
#include "echo/socket.hpp"
#include "echo/version.hpp"

#include <iostream>

int main(int argc, char* argv[])
{
    namespace status = echo::exit_status;
    // Before anything opens a descriptor: a socket must never become "stdin".
    const unsigned closed_stdio = echo::reopen_closed_stdio();
    echo::logging::setup("echo-client", echo::log_level::info);
    try {
        const auto opts = echo_client::parse_command_line(argc, argv);
        if (opts.help) {
            std::cout << echo_client::help_text();
            return status::ok;
        }
        if (opts.version) {
            std::cout << "echo-client " << echo::version << "\n";
            return status::ok;
        }
        if ((closed_stdio & 1U) && !opts.ping.enabled) // the ping mode reads no input
            throw echo::fatal_error(status::io_error, "standard input is not open");
        if (closed_stdio & 2U)
            throw echo::fatal_error(status::io_error, "standard output is not open");
        echo::ignore_sigpipe();
        const auto addresses = echo_client::addresses_for_proxy(
            opts.proxy, echo::resolve({opts.host, opts.port}, echo::resolve_for::connecting), opts.host);
        if (opts.ping.enabled)
            return echo_client::ping::run(opts.ping, addresses, opts.connect_timeout, opts.proxy);
        if (opts.udp)
            return echo_client::udp::run(addresses, opts.raw, opts.ping.timeout);
        auto socket = echo::connect_to_any(addresses, opts.connect_timeout);
        echo::set_no_delay(socket.get());
        // Before any data, and outside run_split_io: the server does not
        // echo the header, so the digests and the ledger never count it.
        echo_client::send_proxy_header(socket.get(), opts.proxy);
        echo_client::ask_link_to_answer(socket.get(), opts.link_timeout);
        const std::string server = echo::peer_address_of(socket.get());
        return echo_client::run_split_io(std::move(socket), server, opts);
    } catch (const echo::fatal_error& e) {
        echo::logging::fatal(e.what());
        return e.exit_status();
    } catch (const echo::resolve_error& e) {
        echo::logging::fatal(e.what());
        return status::no_host;
    } catch (const echo::connect_error& e) {
        echo::logging::fatal(std::string("cannot connect: ") + e.what());
        return e.timed_out() ? status::timeout : status::unavailable;
    } catch (const std::exception& e) {
        echo::logging::fatal(e.what());
        return status::failure;
    }
}
