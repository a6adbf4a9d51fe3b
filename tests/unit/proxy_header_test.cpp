// The PROXY protocol header (common/proxy_*): what the encoder writes the
// parser reads back, byte for byte, whatever way the bytes arrive; every
// refusal reason has a header that earns it; a prefix of a valid header is
// "incomplete", never refused.
#include "echo/proxy_encode.hpp"
#include "echo/proxy_parse.hpp"

#include "echo/crc32c.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

namespace proxy = echo::proxy;
using proxy::outcome;
using proxy::refusal;

echo::socket_address v4(const char* text, std::uint16_t port)
{
    echo::socket_address a;
    auto* sin = reinterpret_cast<sockaddr_in*>(a.get());
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    EXPECT_EQ(::inet_pton(AF_INET, text, &sin->sin_addr), 1);
    a.family = AF_INET;
    a.length = sizeof(sockaddr_in);
    return a;
}

echo::socket_address v6(const char* text, std::uint16_t port)
{
    echo::socket_address a;
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(a.get());
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    EXPECT_EQ(::inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
    a.family = AF_INET6;
    a.length = sizeof(sockaddr_in6);
    return a;
}

std::string text(const echo::socket_address& a)
{
    return echo::to_string(a);
}

proxy::header full_v2()
{
    auto h = proxy::relayed(2, v6("2001:db8::1", 40000), v6("2001:db8::2", 7));
    h.authority = "echo.example";
    h.unique_id = std::string(128, '\x7F');
    h.ssl.present = true;
    h.ssl.client = proxy::ssl_client::ssl | proxy::ssl_client::cert_conn;
    h.ssl.verify = 0x01020304;
    h.ssl.version = "TLSv1.3";
    h.ssl.common_name = "client.example";
    h.netns = "balancers";
    return h;
}

// The fixed part's length field, rewritten (and nothing else).
std::string with_length(std::string bytes, std::size_t length)
{
    bytes[14] = static_cast<char>(length >> 8);
    bytes[15] = static_cast<char>(length & 0xFF);
    return bytes;
}

// A v2 header made by hand: the fixed part for PROXY TCP4 and `tail` after
// 12 bytes of IPv4 addresses.
std::string v2_tcp4_with(const std::string& tail)
{
    const auto base = proxy::encode_v2(proxy::relayed(2, v4("192.0.2.1", 1), v4("192.0.2.2", 2)), false);
    return with_length(base + tail, 12 + tail.size());
}

std::string tlv(std::uint8_t type, const std::string& value)
{
    std::string t{static_cast<char>(type), static_cast<char>(value.size() >> 8), static_cast<char>(value.size())};
    return t + value;
}

refusal refused(const std::string& bytes)
{
    const auto r = proxy::parse(bytes);
    EXPECT_EQ(r.outcome, outcome::refused) << "for " << bytes.size() << " bytes";
    return r.reason;
}

TEST(ProxyHeader, V1RoundTripIPv4AndIPv6)
{
    for (const auto& h : {proxy::relayed(1, v4("192.0.2.7", 5555), v4("198.51.100.1", 7)),
                          proxy::relayed(1, v6("2001:db8::7", 65535), v6("::1", 0))}) {
        const std::string line = proxy::encode_v1(h);
        const auto r = proxy::parse(line + "after");
        ASSERT_EQ(r.outcome, outcome::complete) << line;
        EXPECT_EQ(r.length, line.size());
        EXPECT_EQ(r.parsed.version, 1);
        EXPECT_EQ(r.parsed.family, h.family);
        EXPECT_EQ(text(r.parsed.source), text(h.source));
        EXPECT_EQ(text(r.parsed.destination), text(h.destination));
    }
    EXPECT_EQ(proxy::encode_v1(proxy::relayed(1, v4("192.0.2.7", 5555), v4("198.51.100.1", 7))),
              "PROXY TCP4 192.0.2.7 198.51.100.1 5555 7\r\n");
}

TEST(ProxyHeader, V1UnknownIgnoresTheRestOfTheLine)
{
    for (const std::string_view line : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"}) {
        const auto r = proxy::parse(line);
        ASSERT_EQ(r.outcome, outcome::complete) << line;
        EXPECT_EQ(r.parsed.family, proxy::family::unknown);
        EXPECT_EQ(r.length, line.size());
    }
}

TEST(ProxyHeader, V1LongestLineIsAccepted)
{
    const std::string line = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                             "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    EXPECT_EQ(line.size(), proxy::max_v1_length - 3); // the specification's 107 is "UNKNOWN" with these
    const std::string unknown = "PROXY UNKNOWN" + line.substr(10);
    ASSERT_EQ(unknown.size(), proxy::max_v1_length);
    EXPECT_EQ(proxy::parse(line).outcome, outcome::complete);
    EXPECT_EQ(proxy::parse(unknown).outcome, outcome::complete);
}

TEST(ProxyHeader, V2RoundTripWithEveryKeptTlvAndCrc32c)
{
    const auto h = full_v2();
    const std::string bytes = proxy::encode_v2(h, true);
    const auto r = proxy::parse(bytes + "echo me");
    ASSERT_EQ(r.outcome, outcome::complete) << proxy::describe(r.reason);
    EXPECT_EQ(r.length, bytes.size());
    const auto& p = r.parsed;
    EXPECT_EQ(p.version, 2);
    EXPECT_EQ(p.command, proxy::command::proxy);
    EXPECT_EQ(p.family, proxy::family::tcp6);
    EXPECT_EQ(text(p.source), "[2001:db8::1]:40000");
    EXPECT_EQ(text(p.destination), "[2001:db8::2]:7");
    EXPECT_EQ(p.authority, h.authority);
    EXPECT_EQ(p.unique_id, h.unique_id);
    EXPECT_EQ(p.ssl, h.ssl);
    EXPECT_EQ(p.netns, h.netns);
    EXPECT_TRUE(p.crc32c_checked);
}

TEST(ProxyHeader, V2Ipv4WithoutTlvs)
{
    const auto h = proxy::relayed(2, v4("203.0.113.9", 1234), v4("127.0.0.1", 7007));
    const std::string bytes = proxy::encode_v2(h, false);
    EXPECT_EQ(bytes.size(), 16U + 12U);
    const auto r = proxy::parse(bytes);
    ASSERT_EQ(r.outcome, outcome::complete);
    EXPECT_EQ(text(r.parsed.source), "203.0.113.9:1234");
    EXPECT_EQ(text(r.parsed.destination), "127.0.0.1:7007");
    EXPECT_FALSE(r.parsed.crc32c_checked);
}

TEST(ProxyHeader, V2LocalAndUnspecAreAccepted)
{
    proxy::header local;
    local.command = proxy::command::local;
    const auto r = proxy::parse(proxy::encode_v2(local, true));
    ASSERT_EQ(r.outcome, outcome::complete);
    EXPECT_EQ(r.parsed.command, proxy::command::local);
    EXPECT_EQ(r.parsed.family, proxy::family::unknown);

    // LOCAL with addresses (as some balancers send): they are not the client's.
    auto with_addresses = proxy::relayed(2, v4("192.0.2.1", 1), v4("192.0.2.2", 2));
    with_addresses.command = proxy::command::local;
    const auto l = proxy::parse(proxy::encode_v2(with_addresses, false));
    ASSERT_EQ(l.outcome, outcome::complete);
    EXPECT_EQ(l.parsed.family, proxy::family::unknown);

    proxy::header unspec; // PROXY command, AF_UNSPEC
    const auto u = proxy::parse(proxy::encode_v2(unspec, false));
    ASSERT_EQ(u.outcome, outcome::complete);
    EXPECT_EQ(u.parsed.command, proxy::command::proxy);
    EXPECT_EQ(u.parsed.family, proxy::family::unknown);
}

TEST(ProxyHeader, V2UnknownTlvsAndSslSubTlvsAreSkippedByLength)
{
    const std::string ssl_value = std::string("\x01\0\0\0\0", 5) + tlv(0x23, "TLS_AES_128_GCM_SHA256") +
                                  tlv(proxy::tlv::ssl_cn, "cn");
    const auto bytes = v2_tcp4_with(tlv(0xE0, std::string(300, 'x')) + tlv(proxy::tlv::noop, "") +
                                    tlv(proxy::tlv::ssl, ssl_value) + tlv(proxy::tlv::alpn, "h2"));
    const auto r = proxy::parse(bytes);
    ASSERT_EQ(r.outcome, outcome::complete) << proxy::describe(r.reason);
    EXPECT_EQ(r.length, bytes.size());
    EXPECT_EQ(r.parsed.ssl.common_name, "cn");
    EXPECT_EQ(r.parsed.ssl.client, proxy::ssl_client::ssl);
}

// Any prefix of a valid header asks for more; the whole header, arriving a
// byte at a time, is complete exactly when its last byte is there.
TEST(ProxyHeader, EveryPrefixIsIncomplete)
{
    for (const std::string& whole : {proxy::encode_v1(proxy::relayed(1, v4("192.0.2.7", 5555), v4("192.0.2.8", 7))),
                                    proxy::encode_v2(full_v2(), true)}) {
        for (std::size_t n = 0; n < whole.size(); ++n)
            ASSERT_EQ(proxy::parse(whole.substr(0, n)).outcome, outcome::incomplete) << n << " bytes";
        EXPECT_EQ(proxy::parse(whole).outcome, outcome::complete);
    }
}

TEST(ProxyHeader, EncoderRefusesMismatchedAddresses)
{
    auto h = proxy::relayed(2, v4("192.0.2.1", 1), v4("192.0.2.2", 2));
    h.destination = v6("::1", 2);
    EXPECT_THROW((void)proxy::encode_v1(h), std::invalid_argument);
    EXPECT_THROW((void)proxy::encode_v2(h, false), std::invalid_argument);
    EXPECT_THROW((void)proxy::relayed(2, v4("192.0.2.1", 1), v6("::1", 2)), std::invalid_argument);
    auto big = full_v2();
    big.authority = std::string(proxy::max_v2_payload, 'a');
    EXPECT_THROW((void)proxy::encode_v2(big, false), std::invalid_argument);
}

// ---- every refusal reason ---------------------------------------------------

TEST(ProxyRefusal, NotProxy)
{
    EXPECT_EQ(refused("hello\n"), refusal::not_proxy);
    EXPECT_EQ(refused(std::string(1, '\0')), refusal::not_proxy);
}

TEST(ProxyRefusal, BadSignature)
{
    EXPECT_EQ(refused("PROXZ TCP4"), refusal::bad_signature);
    EXPECT_EQ(refused("POST / HTTP/1.1\r\n"), refusal::bad_signature);
    std::string v2 = proxy::encode_v2(full_v2(), false);
    v2[7] = 'X';
    EXPECT_EQ(refused(v2), refusal::bad_signature);
    EXPECT_EQ(refused("\r\n\r\nQUIT"), refusal::bad_signature);
}

TEST(ProxyRefusal, BadVersion)
{
    std::string v2 = proxy::encode_v2(full_v2(), false);
    v2[12] = 0x11;
    EXPECT_EQ(refused(v2), refusal::bad_version);
}

TEST(ProxyRefusal, BadCommand)
{
    std::string v2 = proxy::encode_v2(full_v2(), false);
    v2[12] = 0x22;
    EXPECT_EQ(refused(v2), refusal::bad_command);
}

TEST(ProxyRefusal, BadFamily)
{
    EXPECT_EQ(refused("PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n"), refusal::bad_family);
    std::string v2 = proxy::encode_v2(proxy::relayed(2, v4("192.0.2.1", 1), v4("192.0.2.2", 2)), false);
    v2[13] = 0x12; // AF_INET over DGRAM
    EXPECT_EQ(refused(v2), refusal::bad_family);
    v2[13] = 0x31; // AF_UNIX
    EXPECT_EQ(refused(v2), refusal::bad_family);
    v2[13] = 0x41; // no such family
    EXPECT_EQ(refused(v2), refusal::bad_family);
}

TEST(ProxyRefusal, BadAddress)
{
    EXPECT_EQ(refused("PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n"), refusal::bad_address);
    EXPECT_EQ(refused("PROXY TCP4 ::1 192.0.2.2 1 2\r\n"), refusal::bad_address); // an IPv6 address under TCP4
    EXPECT_EQ(refused("PROXY TCP6 ::1 192.0.2.2 1 2\r\n"), refusal::bad_address);
    // v2: a length too short for the family's addresses.
    const auto v2 = proxy::encode_v2(proxy::relayed(2, v6("::1", 1), v6("::1", 2)), false);
    EXPECT_EQ(refused(with_length(v2, 20).substr(0, 16 + 20)), refusal::bad_address);
}

TEST(ProxyRefusal, BadPort)
{
    EXPECT_EQ(refused("PROXY TCP4 192.0.2.1 192.0.2.2 65536 2\r\n"), refusal::bad_port);
    EXPECT_EQ(refused("PROXY TCP4 192.0.2.1 192.0.2.2 1 -2\r\n"), refusal::bad_port);
    EXPECT_EQ(refused("PROXY TCP4 192.0.2.1 192.0.2.2 01 2\r\n"), refusal::bad_port);
}

TEST(ProxyRefusal, Malformed)
{
    EXPECT_EQ(refused("PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n"), refusal::malformed);
    EXPECT_EQ(refused("PROXY TCP4 192.0.2.1  192.0.2.2 1 2\r\n"), refusal::malformed);
    EXPECT_EQ(refused("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n"), refusal::malformed); // LF without CR
    EXPECT_EQ(refused("PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n"), refusal::malformed);
}

TEST(ProxyRefusal, TooLong)
{
    EXPECT_EQ(refused("PROXY UNKNOWN " + std::string(200, 'x')), refusal::too_long);
    EXPECT_EQ(proxy::parse("PROXY UNKNOWN " + std::string(proxy::max_v1_length - 15, 'x')).outcome,
              outcome::incomplete);
}

TEST(ProxyRefusal, Oversized)
{
    // Refused from the 16-byte fixed part alone, before the payload arrives.
    const auto v2 = proxy::encode_v2(full_v2(), false).substr(0, 16);
    EXPECT_EQ(refused(with_length(v2, proxy::max_v2_payload + 1)), refusal::oversized);
    EXPECT_EQ(refused(with_length(v2, 65535)), refusal::oversized);
    EXPECT_EQ(proxy::parse(with_length(v2, proxy::max_v2_payload)).outcome, outcome::incomplete);
}

TEST(ProxyRefusal, TlvOverrun)
{
    EXPECT_EQ(refused(v2_tcp4_with(tlv(proxy::tlv::authority, "abc").substr(0, 5))), refusal::tlv_overrun);
    EXPECT_EQ(refused(v2_tcp4_with(std::string("\x02\x00", 2))), refusal::tlv_overrun); // a cut TLV header
    // An SSL sub-TLV longer than the SSL TLV around it.
    const std::string ssl_value = std::string("\x01\0\0\0\0", 5) + tlv(proxy::tlv::ssl_cn, "cn").substr(0, 4);
    EXPECT_EQ(refused(v2_tcp4_with(tlv(proxy::tlv::ssl, ssl_value))), refusal::tlv_overrun);
}

TEST(ProxyRefusal, BadTlv)
{
    EXPECT_EQ(refused(v2_tcp4_with(tlv(proxy::tlv::crc32c, "abc"))), refusal::bad_tlv);
    EXPECT_EQ(refused(v2_tcp4_with(tlv(proxy::tlv::unique_id, std::string(129, 'u')))), refusal::bad_tlv);
    EXPECT_EQ(refused(v2_tcp4_with(tlv(proxy::tlv::ssl, "abcd"))), refusal::bad_tlv);
}

TEST(ProxyRefusal, BadCrc32c)
{
    std::string v2 = proxy::encode_v2(full_v2(), true);
    v2[20] = static_cast<char>(v2[20] ^ 0x01); // a source address bit
    EXPECT_EQ(refused(v2), refusal::bad_crc32c);
    std::string crc_changed = proxy::encode_v2(full_v2(), true);
    crc_changed.back() = static_cast<char>(crc_changed.back() ^ 0x80);
    EXPECT_EQ(refused(crc_changed), refusal::bad_crc32c);
}

TEST(ProxyRefusal, EveryReasonHasANameAndAText)
{
    std::set<std::string_view> names, texts;
    for (int i = 0; i < proxy::refusal_count; ++i) {
        const auto r = static_cast<refusal>(i);
        names.insert(proxy::name(r));
        texts.insert(proxy::describe(r));
    }
    EXPECT_EQ(names.size(), static_cast<std::size_t>(proxy::refusal_count));
    EXPECT_EQ(texts.size(), static_cast<std::size_t>(proxy::refusal_count));
}

} // namespace
