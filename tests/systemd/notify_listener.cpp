#include "notify_listener.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <sstream>
#include <stdexcept>

namespace test {

notify_listener::notify_listener() : path_(dir_ / "notify")
{
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd_)
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.string().size() >= sizeof addr.sun_path)
        throw std::runtime_error("notify socket path too long: " + path_.string());
    std::strcpy(addr.sun_path, path_.c_str());
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error(std::string("bind notify socket: ") + std::strerror(errno));
}

std::optional<std::string> notify_listener::next(std::chrono::milliseconds deadline)
{
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(deadline.count())) <= 0)
        return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0)
        return std::nullopt;
    seen_.emplace_back(buf, static_cast<std::size_t>(n));
    return seen_.back();
}

std::optional<std::string> notify_listener::wait_for(const std::string& field, std::chrono::milliseconds deadline)
{
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        const auto message = next(left);
        if (!message)
            return std::nullopt;
        if (has_field(*message, field) || message->find(field) != std::string::npos)
            return message;
    }
}

bool has_field(const std::string& message, const std::string& field)
{
    std::istringstream lines(message);
    for (std::string line; std::getline(lines, line);)
        if (line == field)
            return true;
    return false;
}

std::optional<std::string> field_value(const std::string& message, const std::string& name)
{
    std::istringstream lines(message);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(name + "=", 0) == 0)
            return line.substr(name.size() + 1);
    return std::nullopt;
}

} // namespace test
