#include "echo/error.hpp"

namespace echo {

std::system_error system_error(int err, const std::string& context)
{
    return std::system_error(err, std::generic_category(), context);
}

void throw_errno(const std::string& context)
{
    throw system_error(errno, context);
}

} // namespace echo
