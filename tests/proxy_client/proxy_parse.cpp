#include "proxy_parse.hpp"

#include "echo/address.hpp"
#include "echo/proxy_parse.hpp"

#include <stdexcept>

namespace proxytest {

header_cut cut_header(std::string_view bytes)
{
    const auto r = echo::proxy::parse(bytes);
    header_cut cut;
    switch (r.outcome) {
    case echo::proxy::outcome::incomplete:
        cut.outcome = header_cut::kind::incomplete;
        break;
    case echo::proxy::outcome::complete:
        cut.outcome = header_cut::kind::whole;
        cut.length = r.length;
        break;
    case echo::proxy::outcome::refused:
        cut.outcome = header_cut::kind::refused;
        cut.reason = std::string(echo::proxy::name(r.reason)) + ": " + std::string(echo::proxy::describe(r.reason));
        break;
    }
    return cut;
}

header_fields fields_of(std::string_view header)
{
    const auto r = echo::proxy::parse(header);
    if (r.outcome != echo::proxy::outcome::complete || r.length != header.size())
        throw std::runtime_error("not one whole PROXY header");
    header_fields f;
    f.version = r.parsed.version;
    f.proxied = r.parsed.command == echo::proxy::command::proxy && r.parsed.family != echo::proxy::family::unknown;
    if (f.proxied) {
        f.source = echo::to_string(r.parsed.source);
        f.destination = echo::to_string(r.parsed.destination);
    }
    f.crc32c = r.parsed.crc32c_checked;
    return f;
}

} // namespace proxytest
