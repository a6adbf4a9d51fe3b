#include "echo/address.hpp"


#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

namespace echo {
namespace {

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

void check_service(std::string_view service)
{
    if (service.empty())
        throw address_error("empty port");
    if (all_digits(service)) {
        if (service.size() > 5 || std::stoul(std::string(service)) > 65535)
            throw address_error("port " + std::string(service) + " is out of range (0-65535)");
        return;
    }
    // A service name as in /etc/services: it starts with a letter (so "-1"
    // is neither a port nor a name), then letters, digits, '-' or '_'.
    const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    const bool name_like = letter(service.front()) && std::all_of(service.begin(), service.end(), [&](char c) {
        return letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (!name_like)
        throw address_error("'" + std::string(service) + "' is neither a port number nor a service name");
}

endpoint parse_endpoint(std::string_view text, std::string_view default_service)
{
    if (text.empty())
        throw address_error("empty address");

    endpoint result;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos)
            throw address_error("missing ']' after IPv6 address");
        result.host = std::string(text.substr(1, close - 1));
        if (result.host.empty())
            throw address_error("empty IPv6 address in brackets");
        in6_addr probe{};
        if (::inet_pton(AF_INET6, result.host.c_str(), &probe) != 1)
            throw address_error("'" + result.host + "' is not an IPv6 address");
        const auto rest = text.substr(close + 1);
        if (rest.empty())
            result.service = std::string(default_service);
        else if (rest.front() == ':')
            result.service = std::string(rest.substr(1));
        else
            throw address_error("expected ':PORT' after ']'");
    } else {
        const auto colon = text.find(':');
        if (colon == std::string_view::npos) {
            if (all_digits(text)) {
                result.service = std::string(text);
            } else {
                result.host = std::string(text);
                result.service = std::string(default_service);
            }
        } else {
            if (text.find(':', colon + 1) != std::string_view::npos)
                throw address_error("write IPv6 addresses in brackets, e.g. [::1]:7");
            result.host = std::string(text.substr(0, colon));
            result.service = std::string(text.substr(colon + 1));
        }
    }
    check_service(result.service);
    return result;
}

std::vector<socket_address> resolve(const endpoint& where, resolve_for purpose)
{
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_family = AF_UNSPEC;
    const char* host = where.host.empty() ? nullptr : where.host.c_str();
    if (purpose == resolve_for::listening) {
        hints.ai_flags = AI_PASSIVE;
        if (!host) {
            host = "::"; // one dual-stack socket takes IPv4 and IPv6 clients
            hints.ai_flags |= AI_NUMERICHOST;
        }
    } else {
        hints.ai_flags = AI_ADDRCONFIG;
    }

    addrinfo* list = nullptr;
    int rc = ::getaddrinfo(host, where.service.c_str(), &hints, &list);
    if (rc != 0 && (hints.ai_flags & AI_ADDRCONFIG)) {
        // AI_ADDRCONFIG hides ::1 on a host whose only IPv6 is loopback: ask again without it.
        hints.ai_flags &= ~AI_ADDRCONFIG;
        rc = ::getaddrinfo(host, where.service.c_str(), &hints, &list);
    }
    if (rc != 0) {
        const std::string what = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
        const std::string name = where.host.empty() ? std::string("*") : where.host;
        throw resolve_error("cannot resolve " + name + " port " + where.service + ": " + what);
    }
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(list, &::freeaddrinfo);
    std::vector<socket_address> out;
    for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        socket_address a;
        a.family = ai->ai_family;
        a.length = ai->ai_addrlen;
        std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
        const bool duplicate = std::any_of(out.begin(), out.end(), [&](const socket_address& b) {
            return b.length == a.length && std::memcmp(&b.storage, &a.storage, a.length) == 0;
        });
        if (!duplicate)
            out.push_back(a);
    }
    if (out.empty())
        throw resolve_error("cannot resolve " + where.host + " port " + where.service + ": no IPv4 or IPv6 address");
    return out;
}

namespace {

// IPv4 by hand: inet_ntop() formats it with sprintf(), whose stack frame
// alone is a page a forked child would have to copy.
char* put_ipv4(const unsigned char* bytes, char* p, char* end) noexcept
{
    for (int i = 0; i < 4; ++i) {
        if (i > 0 && p < end)
            *p++ = '.';
        p = std::to_chars(p, end, static_cast<unsigned>(bytes[i])).ptr;
    }
    return p;
}

char* put_text(std::string_view text, char* p, char* end) noexcept
{
    const auto n = std::min<std::size_t>(text.size(), static_cast<std::size_t>(end - p));
    std::memcpy(p, text.data(), n);
    return p + n;
}

} // namespace

std::size_t format_address(const sockaddr* address, socklen_t length, std::span<char> out) noexcept
{
    char* const begin = out.data();
    char* p = begin;
    char* const end = begin + out.size();
    if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
        p = put_ipv4(reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr),
                     p, end);
    } else if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(&in6)) {
            p = put_ipv4(&in6.s6_addr[12], p, end);
        } else {
            char host[INET6_ADDRSTRLEN] = "?";
            ::inet_ntop(AF_INET6, &in6, host, sizeof host);
            p = put_text("[", p, end);
            p = put_text(host, p, end);
            p = put_text("]", p, end);
        }
    } else if (address->sa_family == AF_UNIX) {
        return static_cast<std::size_t>(put_text("unix socket", p, end) - begin);
    } else {
        p = put_text("address family ", p, end);
        return static_cast<std::size_t>(std::to_chars(p, end, address->sa_family).ptr - begin);
    }
    p = put_text(":", p, end);
    return static_cast<std::size_t>(std::to_chars(p, end, port_of(address)).ptr - begin);
}

std::string to_string(const sockaddr* address, socklen_t length)
{
    char text[INET6_ADDRSTRLEN + 32];
    return std::string(text, format_address(address, length, text));
}

unsigned port_of(const sockaddr* address)
{
    if (address->sa_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(address)->sin_port);
    if (address->sa_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(address)->sin6_port);
    return 0;
}

} // namespace echo
