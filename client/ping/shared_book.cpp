#include "shared_book.hpp"

#include <new>

namespace echo_client::ping {

shared_book::shared_book()
    : memory_(sizeof(layout), echo::sharing::with_children, "the ping book"),
      data_(new (memory_.data()) layout)
{
}

} // namespace echo_client::ping
