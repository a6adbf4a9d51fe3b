#include "shared_book.hpp"

#include "echo/error.hpp"

#include <sys/mman.h>

#include <new>

namespace echo_client::ping {

shared_book::shared_book()
{
    void* p = ::mmap(nullptr, sizeof(layout), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        echo::throw_errno("mmap the ping book");
    data_ = new (p) layout;
}

shared_book::~shared_book()
{
    ::munmap(data_, sizeof(layout));
}

} // namespace echo_client::ping
