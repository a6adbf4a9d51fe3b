#include "report.hpp"

#include "echo/exit_status.hpp"

#include <cstdio>

namespace echo_client::ping {
namespace {

// Milliseconds with microsecond digits, as ping(8) prints them.
std::string ms(double ns)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", ns / 1e6);
    return text;
}

std::string number(double v, const char* format = "%.3f")
{
    char text[32];
    std::snprintf(text, sizeof text, format, v);
    return text;
}

// A string for JSON: the server address is all we quote, but quote it right.
std::string quoted(const std::string& s)
{
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
            out += escaped;
            continue;
        }
        out += c;
    }
    return out + '"';
}

void distribution_text(std::string& out, const char* name, const histogram& h)
{
    out += name;
    out += " min/p50/p90/p99/p99.9/max = ";
    if (h.count() == 0) {
        out += "-\n";
        return;
    }
    out += ms(static_cast<double>(h.min_ns())) + '/' + ms(h.quantile_ns(0.50)) + '/' + ms(h.quantile_ns(0.90)) +
           '/' + ms(h.quantile_ns(0.99)) + '/' + ms(h.quantile_ns(0.999)) + '/' +
           ms(static_cast<double>(h.max_ns())) + " ms, mean " + ms(h.mean_ns()) + " ms, stddev " +
           ms(h.stddev_ns()) + " ms\n";
}

void distribution_json(std::string& out, const char* name, const histogram& h)
{
    out += ",\"";
    out += name;
    out += "\":";
    if (h.count() == 0) {
        out += "null";
        return;
    }
    out += "{\"min_ms\":" + ms(static_cast<double>(h.min_ns())) + ",\"p50_ms\":" + ms(h.quantile_ns(0.50)) +
           ",\"p90_ms\":" + ms(h.quantile_ns(0.90)) + ",\"p99_ms\":" + ms(h.quantile_ns(0.99)) +
           ",\"p99_9_ms\":" + ms(h.quantile_ns(0.999)) + ",\"max_ms\":" + ms(static_cast<double>(h.max_ns())) +
           ",\"mean_ms\":" + ms(h.mean_ns()) + ",\"stddev_ms\":" + ms(h.stddev_ns()) + "}";
}

} // namespace

void report::echo_line(std::string& out, const verdict& v, std::uint64_t connect_ns) const
{
    if (settings_.quiet)
        return;
    const std::string seq = std::to_string(v.sequence);
    const auto rtt = static_cast<double>(v.round_trip_ns);
    const bool no_probe = v.what == verdict::kind::garbage || v.what == verdict::kind::unknown;
    if (settings_.json && no_probe) {
        out += "{\"type\":\"garbage\",\"bytes\":" + std::to_string(v.bytes) + "}\n";
        return;
    }
    if (settings_.json) {
        out += "{\"type\":\"probe\",\"seq\":" + seq + ",\"bytes\":" + std::to_string(settings_.size);
        switch (v.what) {
        case verdict::kind::echoed:
            out += ",\"status\":\"echoed\"";
            break;
        case verdict::kind::duplicate:
            out += ",\"status\":\"duplicate\"";
            break;
        case verdict::kind::late:
            out += ",\"status\":\"late\"";
            break;
        case verdict::kind::corrupted:
            out += ",\"status\":\"corrupted\",\"first_difference\":" + std::to_string(v.first_difference);
            break;
        case verdict::kind::garbage:
        case verdict::kind::unknown:
            break; // handled above
        }
        if (settings_.new_connection)
            out += ",\"connect_ms\":" + ms(static_cast<double>(connect_ns));
        out += ",\"time_ms\":" + ms(rtt) + "}\n";
        return;
    }
    const std::string from = std::to_string(settings_.size) + " bytes from " + server_ + ": seq=" + seq;
    const std::string connect =
        settings_.new_connection ? " connect=" + ms(static_cast<double>(connect_ns)) + " ms" : std::string();
    switch (v.what) {
    case verdict::kind::echoed:
        out += from + connect + " time=" + ms(rtt) + " ms\n";
        break;
    case verdict::kind::duplicate:
        out += from + connect + " time=" + ms(rtt) + " ms (DUP!)\n";
        break;
    case verdict::kind::late:
        out += from + connect + " time=" + ms(rtt) + " ms (late: already counted lost)\n";
        break;
    case verdict::kind::corrupted:
        out += from + " corrupted: byte " + std::to_string(v.first_difference) + " differs from what was sent\n";
        break;
    case verdict::kind::garbage:
        out += std::to_string(v.bytes) + " bytes from " + server_ + " that are no probe we sent\n";
        break;
    case verdict::kind::unknown:
        out += "a probe from " + server_ + " with seq=" + seq + ", which was never sent\n";
        break;
    }
}

void report::lost_line(std::string& out, std::uint64_t sequence, const char* why) const
{
    if (settings_.quiet)
        return;
    if (settings_.json)
        out += "{\"type\":\"probe\",\"seq\":" + std::to_string(sequence) + ",\"status\":\"lost\"}\n";
    else
        out += "no echo from " + server_ + " for seq=" + std::to_string(sequence) + " " + why + "\n";
}

void report::connect_failed_line(std::string& out, std::uint64_t sequence, const std::string& why) const
{
    if (settings_.quiet)
        return;
    if (settings_.json)
        out += "{\"type\":\"probe\",\"seq\":" + std::to_string(sequence) +
               ",\"status\":\"connect_failed\",\"error\":" + quoted(why) + "}\n";
    else
        out += "cannot connect to " + server_ + " for seq=" + std::to_string(sequence) + ": " + why + "\n";
}

void report::unreachable_line(std::string& out) const
{
    if (settings_.quiet)
        return;
    if (settings_.json)
        out += "{\"type\":\"unreachable\"}\n";
    else
        out += "port unreachable from " + server_ + ": nothing listens there\n";
}

void report::summary(std::string& out, const tally& t, bool final) const
{
    if (settings_.json) {
        out += "{\"type\":\"summary\",\"final\":";
        out += final ? "true" : "false";
        out += ",\"server\":" + quoted(server_) + ",\"size\":" + std::to_string(settings_.size) +
               ",\"sent\":" + std::to_string(t.sent) + ",\"echoed\":" + std::to_string(t.echoed) +
               ",\"lost\":" + std::to_string(t.lost) + ",\"loss_percent\":" + number(t.loss_percent()) +
               ",\"in_flight\":" + std::to_string(t.in_flight) + ",\"corrupted\":" + std::to_string(t.corrupted) +
               ",\"duplicated\":" + std::to_string(t.duplicated) + ",\"late\":" + std::to_string(t.late) +
               ",\"reordered\":" + std::to_string(t.reordered);
        if (settings_.udp)
            out += ",\"unreachable\":" + std::to_string(t.unreachable);
        if (settings_.new_connection)
            out += ",\"connect_failures\":" + std::to_string(t.connect_failures);
        out += ",\"elapsed_ms\":" + ms(static_cast<double>(t.elapsed_ns));
        distribution_json(out, "rtt", t.round_trip);
        if (settings_.new_connection)
            distribution_json(out, "connect", t.connect);
        out += ",\"broken\":" + (t.broken.empty() ? std::string("null") : quoted(t.broken));
        out += ",\"exit_status\":" + std::to_string(exit_status(t)) + "}\n";
        return;
    }
    out += "--- " + server_ + " echo ping statistics ---\n";
    out += std::to_string(t.sent) + " probes sent, " + std::to_string(t.echoed) + " echoed, " +
           std::to_string(t.lost) + " lost (" + number(t.loss_percent(), "%.1f") + "%)";
    if (t.in_flight)
        out += ", " + std::to_string(t.in_flight) + " in flight";
    if (t.corrupted)
        out += ", " + std::to_string(t.corrupted) + " corrupted";
    if (t.duplicated)
        out += ", " + std::to_string(t.duplicated) + " duplicated";
    if (t.late)
        out += ", " + std::to_string(t.late) + " late";
    if (t.reordered)
        out += ", " + std::to_string(t.reordered) + " reordered";
    if (t.connect_failures)
        out += ", " + std::to_string(t.connect_failures) + " connects failed";
    if (t.unreachable)
        out += ", " + std::to_string(t.unreachable) + " port unreachable";
    out += ", time " + number(static_cast<double>(t.elapsed_ns) / 1e6, "%.0f") + " ms\n";
    if (settings_.new_connection)
        distribution_text(out, "connect", t.connect);
    distribution_text(out, "rtt", t.round_trip);
}

int report::exit_status(const tally& t) const
{
    if (!t.broken.empty() || t.corrupted > 0 || t.duplicated > 0)
        return echo::exit_status::failure;
    if (t.unreachable > 0 && t.echoed == 0)
        return echo::exit_status::unavailable;
    if (t.lost > 0 && (!settings_.max_loss_percent || t.loss_percent() > *settings_.max_loss_percent))
        return ping_status::lost;
    if (settings_.max_p99_ms && t.round_trip.count() > 0 &&
        t.round_trip.quantile_ns(0.99) > *settings_.max_p99_ms * 1e6)
        return ping_status::too_slow;
    return echo::exit_status::ok;
}

} // namespace echo_client::ping
