#include "listen/libsystemd.hpp"

#include <dlfcn.h>

#include <string>

namespace echod {
namespace {

constexpr const char* library_name = "libsystemd.so.0";

template <typename Function>
void bind(void* handle, const char* name, Function& out)
{
    void* symbol = ::dlsym(handle, name);
    if (symbol == nullptr)
        throw libsystemd::unavailable(std::string("cannot find ") + name + " in " + library_name);
    out = reinterpret_cast<Function>(symbol);
}

} // namespace

libsystemd::libsystemd()
{
    // RTLD_LOCAL: its symbols are looked up here by name, never by anything else.
    handle_ = ::dlopen(library_name, RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
        const char* why = ::dlerror();
        throw unavailable(std::string("cannot load ") + library_name + ": " + (why ? why : "unknown error"));
    }
    try {
        bind(handle_, "sd_notify", notify);
        bind(handle_, "sd_listen_fds", listen_fds);
        bind(handle_, "sd_is_socket_inet", is_socket_inet);
        bind(handle_, "sd_watchdog_enabled", watchdog_enabled);
    } catch (...) {
        ::dlclose(handle_);
        throw;
    }
}

libsystemd::~libsystemd() { ::dlclose(handle_); }

} // namespace echod
