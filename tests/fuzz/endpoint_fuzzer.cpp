// libFuzzer target: echo::parse_endpoint and echo::check_service take any
// text from a command line or a configuration file. They must either throw
// address_error or return an endpoint that holds their promises.
#include "echo/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// A service check_service accepted: a port 0..65535 or a service name.
void check_service_invariant(std::string_view service)
{
    if (all_digits(service)) {
        if (service.size() > 5 || std::stoul(std::string(service)) > 65535)
            std::abort();
    } else if (service.empty() || !std::all_of(service.begin(), service.end(), is_name_char)) {
        std::abort();
    }
}

void check_endpoint(std::string_view text, std::string_view default_service)
{
    echo::endpoint e;
    try {
        e = echo::parse_endpoint(text, default_service);
    } catch (const echo::address_error&) {
        return; // refused with a message: fine
    }
    check_service_invariant(e.service);
    if (!text.empty() && text.front() == '[') {
        in6_addr probe{};
        if (::inet_pton(AF_INET6, e.host.c_str(), &probe) != 1)
            std::abort();
    } else if (e.host.find(':') != std::string::npos) {
        std::abort(); // an unbracketed host never holds a colon
    }
    // Written back in canonical form, it parses to the same endpoint.
    const std::string canonical =
        (e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host) + ":" + e.service;
    if (!(echo::parse_endpoint(canonical, "7") == e))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    // "TEXT\0DEFAULT": the second part, if any, is the default service.
    const auto nul = all.find('\0');
    const auto text = all.substr(0, nul);
    const auto default_service = nul == std::string_view::npos ? std::string_view("7") : all.substr(nul + 1);

    try {
        echo::check_service(text);
        check_service_invariant(text);
    } catch (const echo::address_error&) {
    }
    check_endpoint(text, default_service);
    return 0;
}
