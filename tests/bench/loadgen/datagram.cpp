#include "datagram.hpp"

#include "echo/error.hpp"

#include <sys/socket.h>

#include <cstring>

namespace bench {
namespace {

// Where in the pattern a datagram's payload starts: different for every
// socket and sequence number, so an echo sent to the wrong socket, or an old
// one echoed again under a new header, does not match.
std::uint64_t payload_offset(std::uint32_t socket_index, std::uint64_t seq) noexcept
{
    return seq * 7919 + std::uint64_t{socket_index} * 104729;
}

} // namespace

echo::unique_fd open_datagram_socket(const sock_address& target, const sock_address* source)
{
    echo::unique_fd fd(::socket(target.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd)
        echo::throw_errno("socket (UDP)");
    if (source != nullptr && ::bind(fd.get(), source->get(), source->length) < 0)
        echo::throw_errno("bind UDP source address");
    if (::connect(fd.get(), target.get(), target.length) < 0)
        echo::throw_errno("connect (UDP)");
    return fd;
}

void fill_datagram(std::span<char> out, std::uint32_t socket_index, std::uint64_t seq, const pattern& bytes)
{
    std::memcpy(out.data(), &seq, sizeof seq);
    std::memcpy(out.data() + sizeof seq, &socket_index, sizeof socket_index);
    std::memcpy(out.data() + datagram_header, bytes.bytes(payload_offset(socket_index, seq)),
                out.size() - datagram_header);
}

std::optional<std::uint64_t> read_datagram(std::span<const char> data, std::size_t size,
                                           std::uint32_t socket_index, const pattern& bytes)
{
    if (data.size() != size)
        return std::nullopt;
    std::uint64_t seq = 0;
    std::uint32_t index = 0;
    std::memcpy(&seq, data.data(), sizeof seq);
    std::memcpy(&index, data.data() + sizeof seq, sizeof index);
    if (index != socket_index || !bytes.matches(payload_offset(socket_index, seq), data.subspan(datagram_header)))
        return std::nullopt;
    return seq;
}

} // namespace bench
