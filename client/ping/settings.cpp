#include "settings.hpp"

#include "probe.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"

#include <boost/program_options/value_semantic.hpp>

#include <charconv>
#include <cmath>
#include <string>

namespace po = boost::program_options;

namespace echo_client::ping {
namespace {

[[noreturn]] void bad(const std::string& option, const std::string& text, const std::string& expected)
{
    throw echo::fatal_error(echo::exit_status::usage, "--" + option + " " + text + ": expected " + expected);
}

// A plain decimal number ("0.2", "5", "99.9"), read without locales.
double decimal(const po::variables_map& vm, const std::string& option, double low, double high,
               const std::string& expected)
{
    const auto& text = vm[option].as<std::string>();
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value,
                                              std::chars_format::fixed);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
        value < low || value > high)
        bad(option, text, expected);
    return value;
}

std::uint64_t whole(const po::variables_map& vm, const std::string& option, std::uint64_t low, std::uint64_t high,
                    const std::string& expected)
{
    const auto& text = vm[option].as<std::string>();
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < low || value > high)
        bad(option, text, expected);
    return value;
}

std::chrono::nanoseconds seconds_of(double s)
{
    return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(s * 1e9)));
}

} // namespace

po::options_description option_table()
{
    po::options_description d("Ping mode (echo-client --ping HOST PORT)");
    d.add_options()
        ("ping,p", "time round trips of probes instead of sending standard input")
        ("size,s", po::value<std::string>()->value_name("BYTES"),
         "bytes per probe, 24 to 65536, with --udp to 65507 (default 64)")
        ("interval,i", po::value<std::string>()->value_name("SECONDS"),
         "send a probe every SECONDS, whatever the echoes do; 0 = as fast as the socket takes them (default 1)")
        ("count,c", po::value<std::string>()->value_name("N"), "stop after N probes (default: until interrupted)")
        ("timeout,W", po::value<std::string>()->value_name("SECONDS"),
         "a probe (with --udp alone: a datagram) not echoed within SECONDS is lost (default 5)")
        ("quiet,q", "print only the summary")
        ("json", "print the summary (and, without --quiet, each probe) as JSON, one object a line")
        ("new-connection", "send each probe on a new connection; time connect and echo separately")
        ("max-loss", po::value<std::string>()->value_name("PERCENT"),
         "exit 2 only when more than PERCENT of the probes are lost (default: any loss)")
        ("max-p99", po::value<std::string>()->value_name("MS"),
         "exit 3 when the 99th percentile round trip exceeds MS milliseconds (default: no limit)");
    return d;
}

settings read_settings(const po::variables_map& vm)
{
    settings s;
    s.enabled = vm.count("ping") > 0;
    s.udp = vm.count("udp") > 0;
    if (!s.enabled) {
        for (const char* option : {"size", "interval", "count", "quiet", "json", "new-connection", "max-loss",
                                   "max-p99"})
            if (vm.count(option))
                throw echo::fatal_error(echo::exit_status::usage,
                                        std::string("--") + option + " needs --ping (see echo-client --help)");
        if (vm.count("timeout") && !s.udp)
            throw echo::fatal_error(echo::exit_status::usage,
                                    "--timeout needs --ping or --udp (see echo-client --help)");
    }
    if (vm.count("timeout"))
        s.timeout = seconds_of(decimal(vm, "timeout", 0.001, 3600, "seconds from 0.001 to 3600"));
    if (!s.enabled)
        return s;
    if (vm.count("size") && s.udp)
        s.size = whole(vm, "size", min_probe_size, max_udp_probe_size, "bytes from 24 to 65507 (one UDP datagram)");
    else if (vm.count("size"))
        s.size = whole(vm, "size", min_probe_size, max_probe_size, "bytes from 24 to 65536");
    if (vm.count("interval"))
        s.interval = seconds_of(decimal(vm, "interval", 0, 3600, "seconds from 0 to 3600"));
    if (vm.count("count"))
        s.count = whole(vm, "count", 1, UINT64_MAX, "a whole number of probes from 1");
    s.quiet = vm.count("quiet") > 0;
    s.json = vm.count("json") > 0;
    s.new_connection = vm.count("new-connection") > 0;
    if (vm.count("max-loss"))
        s.max_loss_percent = decimal(vm, "max-loss", 0, 100, "a percentage from 0 to 100");
    if (vm.count("max-p99"))
        s.max_p99_ms = decimal(vm, "max-p99", 0, 100'000, "milliseconds from 0 to 100000");
    return s;
}

} // namespace echo_client::ping
