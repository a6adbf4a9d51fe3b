#include "cli.hpp"

#include "exit_codes.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <string_view>

namespace bench {
namespace {

std::uint64_t parse_number(std::string_view name, std::string_view text)
{
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size())
        throw usage_error("--" + std::string(name) + ": not a number: " + std::string(text));
    return value;
}

std::chrono::microseconds parse_seconds_us(std::string_view name, std::string_view text)
{
    // Seconds with an optional fraction ("2", "0.0002"), read without locales.
    const auto dot = text.find('.');
    const std::uint64_t whole = dot == 0 ? 0 : parse_number(name, text.substr(0, dot));
    std::uint64_t micros = whole * 1'000'000;
    if (dot != std::string_view::npos) {
        std::string fraction(text.substr(dot + 1));
        fraction.resize(6, '0');
        micros += parse_number(name, fraction);
    }
    return std::chrono::microseconds(micros);
}

std::chrono::milliseconds parse_seconds(std::string_view name, std::string_view text)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(parse_seconds_us(name, text));
}

// Loopback only: this tool floods whatever it is pointed at.
void require_loopback(const std::string& host)
{
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        if ((ntohl(v4.s_addr) >> 24) != 127)
            throw usage_error("refusing target " + host + ": only 127.0.0.0/8 and ::1 are allowed");
        return;
    }
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&v6))
            throw usage_error("refusing target " + host + ": only 127.0.0.0/8 and ::1 are allowed");
        return;
    }
    throw usage_error("--host must be a numeric loopback address, not " + host);
}

void apply_mode_defaults(options& o)
{
    struct defaults {
        std::string_view mode;
        unsigned connections;
        std::size_t size;
    };
    static constexpr defaults table[] = {
        {"rate", 8, 32}, {"latency", 1, 64}, {"bulk", 1, 64 * 1024},
        {"hold", 1000, 8}, {"probe", 1, 8}, {"free-port", 0, 0}, {"memory", 0, 1},
        {"udp-rate", 8, 32}, {"udp-probe", 1, 16},
    };
    for (const auto& d : table) {
        if (d.mode == o.mode) {
            if (o.connections == 0)
                o.connections = d.connections;
            if (o.size == 0)
                o.size = d.size;
            if (o.duration.count() == 0)
                o.duration = std::chrono::seconds(o.mode == "hold" ? 60 : 2);
            return;
        }
    }
    throw usage_error("unknown mode: " + o.mode);
}

} // namespace

const char* usage_text()
{
    return "Usage: echo-bench MODE [OPTIONS]   (loopback targets only)\n"
           "Modes:\n"
           "  rate       C clients loop connect, echo SIZE bytes, verify, close: sessions/s, latency\n"
           "  latency    N connections ping-pong SIZE-byte messages: round trip p50/p99/max\n"
           "  bulk       K connections send and receive at once, every byte verified: MB/s\n"
           "  hold       hold N idle connections, each verified by an echo at the start and the end: the\n"
           "             server's PSS and the kernel's memory (/proc/meminfo) per connection, ramp rate\n"
           "  probe      wait until PORT answers one echo (up to --timeout)\n"
           "  udp-rate   N UDP sockets keep a window of SIZE-byte datagrams in flight: datagrams echoed/s, losses\n"
           "  udp-probe  wait until PORT echoes one datagram (up to --timeout)\n"
           "  free-port  print a port free on 127.0.0.1 for TCP and UDP alike\n"
           "  memory     print the PSS and process count of --server-pid's tree\n"
           "Options:\n"
           "  --host ADDR         target (default 127.0.0.1; must be 127.0.0.0/8 or ::1)\n"
           "  --port N            target port (required)\n"
           "  --connections N     clients / connections / UDP sockets (rate 8, latency 1, bulk 1, hold 1000,\n"
           "                      udp-rate 8)\n"
           "  --size BYTES        echo size (rate 32, latency 64, bulk 65536 per send, hold 8); datagram\n"
           "                      size, 16..65507 (udp-rate 32, udp-probe 16)\n"
           "  --duration SECONDS  measuring time (default 2); hold: time to open and verify all (60)\n"
           "  --count N           stop after N sessions / round trips (default: duration only)\n"
           "  --interval SECONDS  latency: send each message this long after the previous one on its\n"
           "                      connection, as a scheduled prober does (default 0: at once)\n"
           "  --sources N         spread IPv4 clients over 127.0.0.2..127.0.0.(N+1) (default 16)\n"
           "  --timeout SECONDS   fail when nothing moves that long (default 10)\n"
           "  --server-pid PID    hold: the server's main process (its tree's PSS is summed)\n"
           "  --parallel N        hold: connects in flight at once, all workers together (default 128)\n"
           "  --settle SECONDS    hold: wait before reading memory (default 1)\n"
           "  --workers N         hold: processes holding the connections, each from its own --sources\n"
           "                      addresses (default: one per 10,000 connections)\n"
           "  --close-batch N     hold: at the end, close N connections at a time (default 1000)\n"
           "  --close-pause SECONDS  hold: pause after each batch closed (default 0.25)\n"
           "  --drain SECONDS     hold: time the server may take to reap its children (default 120)\n"
           "  --window N          udp-rate: datagrams in flight per socket (default 16)\n"
           "  --loss-timeout SECONDS  udp-rate: a datagram not echoed this long is lost (default 1)\n"
           "Prints one line 'RESULT mode=... key=value ...' and one line for humans.\n"
           "Exit: 0 ok, 1 a byte lost or corrupted, 64 usage, 69 unreachable or stalled, 71 system error.\n"
           "udp-rate: a lost datagram is counted and reported (lost=, loss_ratio=), not an error; a\n"
           "corrupted, truncated, duplicated or unsent one is (exit 1).\n";
}

options parse_command_line(int argc, char** argv)
{
    options o;
    if (argc < 2)
        throw usage_error("a mode is required");
    o.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string_view name = argv[i];
        if (name.substr(0, 2) != "--")
            throw usage_error("unexpected argument: " + std::string(name));
        name.remove_prefix(2);
        if (i + 1 >= argc)
            throw usage_error("--" + std::string(name) + " needs a value");
        const std::string_view value = argv[++i];
        if (name == "host")
            o.host = value;
        else if (name == "port")
            o.port = static_cast<unsigned>(parse_number(name, value));
        else if (name == "connections" || name == "clients")
            o.connections = static_cast<unsigned>(parse_number(name, value));
        else if (name == "size")
            o.size = parse_number(name, value);
        else if (name == "duration")
            o.duration = parse_seconds(name, value);
        else if (name == "interval")
            o.interval = parse_seconds_us(name, value);
        else if (name == "count")
            o.count = parse_number(name, value);
        else if (name == "sources")
            o.sources = static_cast<unsigned>(parse_number(name, value));
        else if (name == "timeout")
            o.timeout = parse_seconds(name, value);
        else if (name == "server-pid")
            o.server_pid = static_cast<pid_t>(parse_number(name, value));
        else if (name == "parallel")
            o.parallel = static_cast<unsigned>(parse_number(name, value));
        else if (name == "settle")
            o.settle = parse_seconds(name, value);
        else if (name == "workers")
            o.workers = static_cast<unsigned>(parse_number(name, value));
        else if (name == "close-batch")
            o.close_batch = static_cast<unsigned>(parse_number(name, value));
        else if (name == "close-pause")
            o.close_pause = parse_seconds(name, value);
        else if (name == "drain")
            o.drain = parse_seconds(name, value);
        else if (name == "window")
            o.window = static_cast<unsigned>(parse_number(name, value));
        else if (name == "loss-timeout")
            o.loss_timeout = parse_seconds(name, value);
        else
            throw usage_error("unknown option --" + std::string(name));
    }
    apply_mode_defaults(o);
    require_loopback(o.host);
    if (o.mode != "free-port" && o.mode != "memory" && (o.port == 0 || o.port > 65535))
        throw usage_error("--port 1..65535 is required");
    if (o.sources == 0 || o.sources > 250)
        throw usage_error("--sources must be 1..250");
    if (o.size == 0 && o.mode != "free-port")
        throw usage_error("--size must be positive");
    if ((o.mode == "hold" || o.mode == "memory") && o.server_pid <= 0)
        throw usage_error(o.mode + " needs --server-pid");
    if (o.close_batch == 0)
        throw usage_error("--close-batch must be positive");
    if (o.mode == "hold" && o.workers > o.connections)
        throw usage_error("--workers must not exceed --connections");
    if (o.parallel == 0)
        throw usage_error("--parallel must be positive");
    return o;
}

} // namespace bench
