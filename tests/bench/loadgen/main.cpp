// echo-bench: the load generator of the echod benchmark (tests/bench). It
// talks to loopback addresses only and exits non-zero when any byte is lost
// or corrupted.
#include "cli.hpp"
#include "exit_codes.hpp"
#include "modes.hpp"

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv)
{
    using namespace bench;
    std::signal(SIGPIPE, SIG_IGN); // a vanished server is an error code, not a death
    try {
        if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
            std::fputs(usage_text(), stdout);
            return exit_ok;
        }
        const options o = parse_command_line(argc, argv);
        if (o.mode == "rate")
            return run_rate(o);
        if (o.mode == "latency")
            return run_latency(o);
        if (o.mode == "bulk")
            return run_bulk(o);
        if (o.mode == "hold")
            return run_hold(o);
        if (o.mode == "probe")
            return run_probe(o);
        if (o.mode == "memory")
            return run_memory(o);
        if (o.mode == "udp-rate")
            return run_udp_rate(o);
        if (o.mode == "udp-probe")
            return run_udp_probe(o);
        return run_free_port(o);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "echo-bench: %s\n%s", e.what(), usage_text());
        return exit_usage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo-bench: %s\n", e.what());
        return exit_os_error;
    }
}
