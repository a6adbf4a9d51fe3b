#include "config/options.hpp"

#include "echo/address.hpp"
#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/protocol.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace po = boost::program_options;

namespace echod {
namespace {

po::options_description describe_options()
{
    const config defaults;
    po::options_description d("Options");
    // Numbers are read as text and checked here: Boost would accept "-1" for
    // an unsigned option and wrap it around.
    d.add_options()
        ("help,h", "print this help and exit")
        ("version,V", "print the version and exit")
        ("check-config,t", "read the configuration (this command line and the file) as a reload would, "
         "say whether it is fine and exit: 0 if so, 78 if not")
        ("config,c", po::value<std::string>()->value_name("FILE"),
         "configuration file (default /etc/echod.conf; a missing default file is fine)")
        ("listen,l", po::value<std::vector<std::string>>()->value_name("ADDR"),
         "listen on ADDR: HOST:PORT, [V6]:PORT or :PORT; repeatable (default [::]:7, IPv4 and IPv6)")
        ("listen-udp", po::value<std::vector<std::string>>()->value_name("ADDR"),
         "also serve UDP echo on ADDR (same forms as --listen); repeatable (default none, UDP off)")
        ("udp-rate-per-source", po::value<std::string>()->value_name("N"),
         ("UDP datagrams a second echoed to one IPv4 address or IPv6 /64, 0 = no limit (default " +
          std::to_string(defaults.udp.rate_per_source) + ")").c_str())
        ("udp-bytes-per-source", po::value<std::string>()->value_name("N"),
         ("UDP payload bytes a second echoed to one source, 0 = no limit (default " +
          std::to_string(defaults.udp.bytes_per_source) + ")").c_str())
        ("udp-rate-total", po::value<std::string>()->value_name("N"),
         ("UDP datagrams a second echoed in all, 0 = no limit (default " +
          std::to_string(defaults.udp.rate_total) + ")").c_str())
        ("udp-bytes-total", po::value<std::string>()->value_name("N"),
         ("UDP payload bytes a second echoed in all, 0 = no limit (default " +
          std::to_string(defaults.udp.bytes_total) + ")").c_str())
        ("backlog", po::value<std::string>()->value_name("N"),
         ("listen queue length (default " + std::to_string(defaults.backlog) + ")").c_str())
        ("log-level", po::value<std::string>()->value_name("LEVEL"),
         "error, warning, notice, info or debug (default info)")
        ("connection-log-rate", po::value<std::string>()->value_name("N"),
         ("at level info, lines a second about ended connections; beyond it one summary line a second, "
          "0 = no limit (default " + std::to_string(defaults.connection_log_rate) + ")").c_str())
        ("max-connections", po::value<std::string>()->value_name("N"),
         ("connections served at once; at the limit new clients wait in the backlog (default " +
          std::to_string(defaults.limits.max_connections) + ")").c_str())
        ("max-per-source", po::value<std::string>()->value_name("N"),
         ("connections at once from one IPv4 address or IPv6 /64, 0 = no limit (default " +
          std::to_string(defaults.limits.max_per_source) + ")").c_str())
        ("idle-timeout", po::value<std::string>()->value_name("SECONDS"),
         ("close a connection idle that long, 0 = never (default " +
          std::to_string(defaults.session.idle_timeout.count()) + ")").c_str())
        ("shutdown-timeout", po::value<std::string>()->value_name("SECONDS"),
         ("on SIGTERM, time connections get to finish before they are ended (default " +
          std::to_string(defaults.limits.shutdown_timeout.count()) + ")").c_str())
        ("prefork", po::value<std::string>()->value_name("N"),
         "keep N children waiting in accept(), 0 = fork per connection (default 0)")
        ("connections-per-child", po::value<std::string>()->value_name("M"),
         "with --prefork: connections a child serves before it exits (default 1)")
        ("proxy-protocol", po::value<std::vector<std::string>>()->value_name("ADDR")->implicit_value(
             std::vector<std::string>{"all"}, "all"),
         "expect a PROXY protocol header (v1 or v2) from load balancers on the TCP listener bound to ADDR, "
         "or on all TCP listeners without ADDR (or with 'all'); repeatable; needs --proxy-from (default none, PROXY off)")
        ("proxy-from", po::value<std::vector<std::string>>()->value_name("CIDR"),
         "a balancer allowed to send a PROXY header: ADDRESS/BITS or an address, IPv4 or IPv6; repeatable; "
         "other peers on a PROXY listener are refused (default none)")
        ("proxy-timeout", po::value<std::string>()->value_name("SECONDS"),
         ("close a PROXY listener's connection whose header is not whole within SECONDS (default " +
          std::to_string(defaults.proxy.header_timeout.count()) + ")").c_str());
    return d;
}

// One table for the command line, the file and --help. Parsed options point
// at it, so it lives as long as the program.
const po::options_description& option_table()
{
    static const po::options_description table = describe_options();
    return table;
}

// Keys that may be given more than once, in the file as on the command line.
bool repeatable(const std::string& key)
{
    return key == "listen" || key == "listen-udp" || key == "proxy-protocol" || key == "proxy-from";
}

// Keys that only make sense on the command line.
bool command_line_only(const std::string& key)
{
    return key == "help" || key == "version" || key == "config" || key == "check-config";
}

unsigned long parse_number(const std::string& text, unsigned long min, unsigned long max)
{
    unsigned long value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec == std::errc::invalid_argument || ptr != end)
        throw std::invalid_argument("'" + text + "' is not a whole number");
    if (ec == std::errc::result_out_of_range || value < min || value > max)
        throw std::invalid_argument(text + " is out of range (" + std::to_string(min) + "-" +
                                    std::to_string(max) + ")");
    return value;
}

// Checks `value` for option `key` and stores it in `cfg`; throws
// std::invalid_argument with the reason. The one place a value's meaning is
// defined, for the command line and the file alike.
void apply_value(config& cfg, const std::string& key, const std::string& value)
{
    if (key == "listen" || key == "listen-udp") {
        // A listen address always names its port, so a typo cannot quietly
        // mean port 7: in "[::1]" the colons are the address's own.
        const auto bracket = value.rfind(']');
        const bool port_named = bracket == std::string::npos ? value.find(':') != std::string::npos
                                                             : value.find(':', bracket) != std::string::npos;
        if (!port_named)
            throw std::invalid_argument("expected HOST:PORT, [IPV6]:PORT or :PORT (no port given)");
        const auto endpoint = echo::parse_endpoint(value, echo::protocol::default_port);
        in6_addr v6{};
        if (::inet_pton(AF_INET6, endpoint.host.c_str(), &v6) == 1 && IN6_IS_ADDR_V4MAPPED(&v6)) {
            char v4[INET_ADDRSTRLEN] = {};
            ::inet_ntop(AF_INET, &v6.s6_addr[12], v4, sizeof v4);
            throw std::invalid_argument("[" + endpoint.host + "] is an IPv4-mapped IPv6 address, which a socket "
                                        "cannot listen on; write " + v4 + ":" + endpoint.service +
                                        " (or [::]:" + endpoint.service + " for IPv4 and IPv6 together)");
        }
        (key == "listen" ? cfg.listen : cfg.listen_udp).push_back(value);
    } else if (key == "udp-rate-per-source") {
        cfg.udp.rate_per_source = static_cast<unsigned>(parse_number(value, 0, 100'000'000));
    } else if (key == "udp-bytes-per-source") {
        cfg.udp.bytes_per_source = parse_number(value, 0, 100'000'000'000);
    } else if (key == "udp-rate-total") {
        cfg.udp.rate_total = static_cast<unsigned>(parse_number(value, 0, 100'000'000));
    } else if (key == "udp-bytes-total") {
        cfg.udp.bytes_total = parse_number(value, 0, 100'000'000'000);
    } else if (key == "backlog") {
        cfg.backlog = static_cast<int>(parse_number(value, 1, 65535));
    } else if (key == "log-level") {
        cfg.log_level = echo::parse_log_level(value);
    } else if (key == "connection-log-rate") {
        cfg.connection_log_rate = static_cast<unsigned>(parse_number(value, 0, 1'000'000));
    } else if (key == "max-connections") {
        cfg.limits.max_connections = static_cast<unsigned>(parse_number(value, 1, 1'000'000));
    } else if (key == "max-per-source") {
        cfg.limits.max_per_source = static_cast<unsigned>(parse_number(value, 0, 1'000'000));
    } else if (key == "idle-timeout") {
        cfg.session.idle_timeout = std::chrono::seconds(parse_number(value, 0, 86'400 * 365));
    } else if (key == "shutdown-timeout") {
        cfg.limits.shutdown_timeout = std::chrono::seconds(parse_number(value, 0, 86'400));
    } else if (key == "prefork") {
        cfg.prefork = static_cast<unsigned>(parse_number(value, 0, 100'000));
    } else if (key == "connections-per-child") {
        cfg.connections_per_child = static_cast<unsigned>(parse_number(value, 1, 1'000'000'000));
    } else if (key == "proxy-protocol") {
        if (value != "all") {
            const auto bracket = value.rfind(']');
            const bool port_named = bracket == std::string::npos ? value.find(':') != std::string::npos
                                                                 : value.find(':', bracket) != std::string::npos;
            if (!port_named)
                throw std::invalid_argument("expected 'all' or a listen address HOST:PORT, [IPV6]:PORT or :PORT");
            (void)echo::parse_endpoint(value, echo::protocol::default_port);
        }
        cfg.proxy.listeners.push_back(value);
    } else if (key == "proxy-from") {
        cfg.proxy.trusted.push_back(parse_cidr(value));
    } else if (key == "proxy-timeout") {
        cfg.proxy.header_timeout = std::chrono::seconds(parse_number(value, 1, 3600));
    } else {
        throw std::invalid_argument("unknown option");
    }
}

std::vector<std::string> values_of(const po::variable_value& v)
{
    if (const auto* many = boost::any_cast<std::vector<std::string>>(&v.value()))
        return *many;
    return {v.as<std::string>()};
}

struct file_entry {
    std::string key;
    std::string value;
    int line;
};

std::string trim(const std::string& s)
{
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// `text` as a message can show it: bytes that are not printable ASCII (a
// binary file given as the configuration) as \xNN.
std::string printable(const std::string& text)
{
    std::string out;
    for (const unsigned char c : text) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// Boost's own config-file parser cannot say on which line an error is, so
// the file is read here, line by line, and handed to Boost as parsed options.
std::vector<file_entry> read_config_file(const std::string& path, bool must_exist,
                                         const po::options_description& known)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw echo::fatal_error(echo::exit_status::no_input,
                                "cannot read configuration file " + path + ": " + std::strerror(EISDIR));
    std::ifstream in(path);
    if (!in) {
        const int err = errno;
        if (!must_exist && err == ENOENT)
            return {};
        throw echo::fatal_error(echo::exit_status::no_input,
                                "cannot read configuration file " + path + ": " + std::strerror(err));
    }
    std::vector<file_entry> entries;
    std::map<std::string, int> first_line;
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
        auto where = [&] { return path + ":" + std::to_string(line) + ": "; };
        // A '#' at the start of a line or after blank space begins a comment.
        for (std::size_t hash = text.find('#'); hash != std::string::npos; hash = text.find('#', hash + 1))
            if (hash == 0 || text[hash - 1] == ' ' || text[hash - 1] == '\t') {
                text.erase(hash);
                break;
            }
        const std::string content = trim(text);
        if (content.empty())
            continue;
        const auto eq = content.find('=');
        if (eq == std::string::npos)
            throw echo::fatal_error(echo::exit_status::config, where() + "expected 'key = value', got '" + printable(content) + "'");
        const std::string key = trim(content.substr(0, eq));
        const std::string value = trim(content.substr(eq + 1));
        if (key.empty())
            throw echo::fatal_error(echo::exit_status::config, where() + "missing key before '='");
        if (command_line_only(key) || !known.find_nothrow(key, false))
            throw echo::fatal_error(echo::exit_status::config, where() + "unknown key '" + printable(key) + "'");
        if (!repeatable(key)) {
            const auto [it, fresh] = first_line.emplace(key, line);
            if (!fresh)
                throw echo::fatal_error(echo::exit_status::config,
                                        where() + "'" + key + "' is already set on line " + std::to_string(it->second));
        }
        try {
            config scratch;
            apply_value(scratch, key, value);
        } catch (const std::invalid_argument& e) {
            throw echo::fatal_error(echo::exit_status::config, where() + key + ": " + e.what());
        }
        entries.push_back({key, value, line});
    }
    if (in.bad())
        throw echo::fatal_error(echo::exit_status::no_input,
                                "cannot read configuration file " + path + ": " + std::strerror(errno));
    return entries;
}

// Options that are fine alone but not together. An error the command line
// made is a usage error (64), one the file made a configuration error (78).
void check_combinations(const config& cfg, bool from_command_line)
{
    const int status = from_command_line ? echo::exit_status::usage : echo::exit_status::config;
    if (cfg.proxy.enabled() && cfg.proxy.trusted.empty())
        throw echo::fatal_error(status, "--proxy-protocol needs --proxy-from CIDR (proxy-from in echod.conf) naming "
                                        "the load balancers allowed to send a PROXY header: a header from anyone "
                                        "else would let a client forge its address");
    if (cfg.proxy.enabled() && cfg.prefork > 0)
        throw echo::fatal_error(status, "--proxy-protocol does not work with --prefork: a prefork worker counts its "
                                        "source when it accepts, before a header says who the client is, and a "
                                        "slow header would hold a worker; use fork per connection (--prefork 0)");
}

} // namespace

std::string help_text()
{
    std::ostringstream out;
    out << "Usage: echod [OPTIONS]\n"
           "A forking TCP echo server (RFC 862): every byte received is sent back.\n"
           "With --listen-udp, also UDP echo: every datagram is sent back.\n\n"
        << option_table()
        << "\nSignals: SIGHUP reloads the configuration file, SIGTERM or SIGINT stop the server.\n"
           "See echod(8) and echod.conf(5).\n";
    return out.str();
}

command_line parse_command_line(int argc, const char* const argv[])
{
    const auto& options = option_table();
    command_line cli;
    try {
        cli.parsed = po::command_line_parser(argc, argv).options(options).run();
        po::variables_map vm;
        po::store(cli.parsed, vm);
        cli.help = vm.count("help") > 0;
        cli.version = vm.count("version") > 0;
        cli.check_config = vm.count("check-config") > 0;
        if (vm.count("config")) {
            cli.config_path = vm["config"].as<std::string>();
            cli.config_named = true;
        }
        config scratch;
        for (const auto& [key, value] : vm)
            if (!command_line_only(key))
                for (const auto& one : values_of(value)) {
                    try {
                        apply_value(scratch, key, one);
                    } catch (const std::invalid_argument& e) {
                        throw echo::fatal_error(echo::exit_status::usage, "--" + key + " " + one + ": " + e.what());
                    }
                }
    } catch (const po::error& e) {
        throw echo::fatal_error(echo::exit_status::usage, std::string(e.what()) + " (see echod --help)");
    }
    return cli;
}

config load_config(const command_line& cli)
{
    const auto& options = option_table();
    const auto entries = read_config_file(cli.config_path, cli.config_named, options);

    po::parsed_options from_file(&options);
    for (const auto& e : entries)
        from_file.options.emplace_back(e.key, std::vector<std::string>{e.value});

    // Stored first, the command line wins: Boost keeps the first value of an option.
    po::variables_map vm;
    po::store(cli.parsed, vm);
    po::store(from_file, vm);

    config cfg;
    cfg.config_path = cli.config_path;
    cfg.listen.clear();
    for (const auto& [key, value] : vm) {
        if (command_line_only(key))
            continue;
        for (const auto& one : values_of(value))
            apply_value(cfg, key, one); // every value was checked where it came from
    }
    if (cfg.listen.empty())
        cfg.listen = config{}.listen;
    const auto on_command_line = [&cli](const char* key) {
        return std::any_of(cli.parsed.options.begin(), cli.parsed.options.end(),
                           [key](const po::option& o) { return o.string_key == key; });
    };
    cfg.listen_given = on_command_line("listen");
    cfg.listen_udp_given = on_command_line("listen-udp");
    check_combinations(cfg, on_command_line("proxy-protocol") || on_command_line("prefork"));
    return cfg;
}

} // namespace echod
