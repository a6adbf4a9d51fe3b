#include "options.hpp"

#include "echo/address.hpp"
#include "echo/error.hpp"
#include "echo/exit_status.hpp"

#include <boost/program_options.hpp>

#include <netdb.h>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <vector>

namespace po = boost::program_options;

namespace echo_client {
namespace {

const po::options_description& option_table()
{
    static const po::options_description table = [] {
        po::options_description d("Options");
        d.add_options()
            ("help,h", "print this help and exit")
            ("version,V", "print the version and exit")
            ("connect-timeout,t", po::value<std::string>()->value_name("SECONDS"),
             "give up on an address after SECONDS, 0 = the system's limit (default 10)")
            ("raw,r", "send all of standard input: a q line is data, only end of input ends it")
            ("wait,w", po::value<std::string>()->value_name("SECONDS"),
             "give up (status 124) after SECONDS spent waiting on a server that neither "
             "echoes nor takes input, 0 = wait forever (default 30)")
            ("link-timeout", po::value<std::string>()->value_name("SECONDS"),
             "end the connection (status 1) when the server, owing an answer, has sent nothing for SECONDS "
             "(TCP keepalive, TCP_INFO), 0 = the kernel's limits (default 20)")
            ("proxy", po::value<std::string>()->value_name("v1|v2"),
             "open each TCP connection with a PROXY protocol header of that version (HAProxy's; v2 carries a "
             "CRC32C), naming the connection's own addresses; not with --udp")
            ("proxy-source", po::value<std::string>()->value_name("ADDR:PORT"),
             "with --proxy, name this source in the header instead (IPv4:PORT or [IPv6]:PORT); only HOST's "
             "addresses of its family are tried")
            ("udp,u", "send each line (with --raw, each read of input) as one UDP datagram; "
             "wait up to --timeout for each echo (with --ping: probes over UDP)");
        return d;
    }();
    return table;
}

po::options_description positional_table()
{
    po::options_description d;
    d.add_options()
        ("host", po::value<std::string>())
        ("port", po::value<std::string>())
        // Taken, not refused by Boost, so the message can name it.
        ("surplus", po::value<std::vector<std::string>>());
    return d;
}

// HOST as given, less the brackets an IPv6 address may wear. Empty is not
// "this machine": getaddrinfo would take it for localhost, and a script
// whose variable came out empty would talk to the wrong server.
std::string host_of(std::string host)
{
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2); // accept [::1] as well as ::1
    if (host.empty())
        throw echo::fatal_error(echo::exit_status::usage,
                                "HOST is empty: name the server (localhost for this machine)");
    return host;
}

// PORT: a number from 1 to 65535 (0 is no port to connect to: the kernel
// would refuse it only at connect), or a service name that /etc/services
// knows, checked here so that a typo is a usage error that says so, not
// getaddrinfo's "Servname not supported for ai_socktype".
std::string port_of(const std::string& port)
{
    const auto bad = [&](const std::string& why) {
        return echo::fatal_error(echo::exit_status::usage, "PORT " + why);
    };
    if (!port.empty() && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        unsigned long number = 0;
        const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
        if (ec != std::errc() || number < 1 || number > 65535)
            throw bad(port + " is out of range: a port number is from 1 to 65535");
        return port;
    }
    try {
        echo::check_service(port);
    } catch (const echo::address_error& e) {
        throw bad(std::string(e.what()) + " (a port number from 1 to 65535, or a service name)");
    }
    servent entry{};
    servent* found = nullptr;
    char buffer[4096];
    if (::getservbyname_r(port.c_str(), "tcp", &entry, buffer, sizeof buffer, &found) != 0 || !found)
        throw bad("'" + port + "' is not a port number or a known service name (see /etc/services)");
    return port;
}

// Whole seconds from 0 to a day, for --NAME.
std::chrono::seconds whole_seconds(const po::variables_map& vm, const std::string& name)
{
    const auto& text = vm[name].as<std::string>();
    unsigned long seconds = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || seconds > 86'400)
        throw echo::fatal_error(echo::exit_status::usage,
                                "--" + name + " " + text + ": expected whole seconds from 0 to 86400");
    return std::chrono::seconds(seconds);
}

// --proxy and --proxy-source, checked against each other and --udp.
proxy_settings proxy_of(const po::variables_map& vm, bool udp)
{
    proxy_settings proxy;
    if (vm.count("proxy-source") && !vm.count("proxy"))
        throw echo::fatal_error(echo::exit_status::usage,
                                "--proxy-source needs --proxy v1 or v2: it names the source in the PROXY header");
    if (!vm.count("proxy"))
        return proxy;
    if (udp)
        throw echo::fatal_error(echo::exit_status::usage,
                                "--proxy does not go with --udp: a PROXY protocol header opens a TCP connection, "
                                "and UDP has none");
    proxy.version = parse_proxy_version(vm["proxy"].as<std::string>());
    if (vm.count("proxy-source"))
        proxy.source = parse_proxy_source(vm["proxy-source"].as<std::string>());
    return proxy;
}

} // namespace

std::string help_text()
{
    std::ostringstream out;
    out << "Usage: echo-client [OPTIONS] HOST PORT\n"
           "       echo-client --ping [PING OPTIONS] HOST PORT\n"
           "       echo-client --udp [--raw] [--timeout SECONDS] HOST PORT\n"
           "Sends standard input to an echo server and writes what comes back to standard output.\n"
           "A line that is exactly q or Q, or the end of input, ends the input (with --raw, only\n"
           "the end of input); the client then prints the rest of the echo, checks that it is\n"
           "what was sent, byte for byte, and exits: 0 when it is (see echo-client(1)).\n"
           "With --ping, sends timed probes instead and reports their round trips.\n"
           "With --udp, sends datagrams over UDP; the exit status says whether every one came\n"
           "back intact within --timeout (0), some did not (2), or one came back changed (76).\n\n"
        << option_table() << '\n'
        << ping::option_table()
        << "\nSee echo-client(1).\n";
    return out.str();
}

options parse_command_line(int argc, const char* const argv[])
{
    options result;
    try {
        po::options_description all;
        all.add(option_table()).add(ping::option_table()).add(positional_table());
        po::positional_options_description positional;
        positional.add("host", 1).add("port", 1).add("surplus", -1);
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
        result.help = vm.count("help") > 0;
        result.version = vm.count("version") > 0;
        if (result.help || result.version)
            return result;
        const char* const usage = " (usage: echo-client [OPTIONS] HOST PORT)";
        if (!vm.count("host"))
            throw echo::fatal_error(echo::exit_status::usage, std::string("missing HOST and PORT") + usage);
        if (!vm.count("port"))
            throw echo::fatal_error(echo::exit_status::usage,
                                    "missing PORT after HOST " + vm["host"].as<std::string>() + usage);
        if (vm.count("surplus"))
            throw echo::fatal_error(echo::exit_status::usage,
                                    "unexpected argument '" + vm["surplus"].as<std::vector<std::string>>().front() +
                                        "' after HOST and PORT" + usage);
        result.host = host_of(vm["host"].as<std::string>());
        result.port = port_of(vm["port"].as<std::string>());
        if (vm.count("connect-timeout"))
            result.connect_timeout = whole_seconds(vm, "connect-timeout");
        result.raw = vm.count("raw") > 0;
        if (vm.count("wait"))
            result.wait = whole_seconds(vm, "wait");
        if (vm.count("link-timeout"))
            result.link_timeout = whole_seconds(vm, "link-timeout");
        result.udp = vm.count("udp") > 0;
        if (result.udp)
            for (const char* tcp_only : {"wait", "link-timeout", "connect-timeout", "new-connection"})
                if (vm.count(tcp_only))
                    throw echo::fatal_error(echo::exit_status::usage, std::string("--") + tcp_only +
                                                                          " does not go with --udp (see echo-client --help)");
        result.ping = ping::read_settings(vm);
        result.proxy = proxy_of(vm, result.udp);
    } catch (const po::error& e) {
        throw echo::fatal_error(echo::exit_status::usage, std::string(e.what()) + " (see echo-client --help)");
    }
    return result;
}

} // namespace echo_client
