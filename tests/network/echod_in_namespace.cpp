#include "echod_in_namespace.hpp"

#include "echod_instance.hpp"

#include <signal.h>

#include <stdexcept>

namespace netns {

using namespace std::chrono_literals;

echod_in_namespace::echod_in_namespace(const network_namespace& ns, std::vector<std::string> args)
{
    const auto config = dir_ / "echod.conf";
    test::write_file(config, "");
    test::spawn_options o;
    o.argv = {test::echod_binary(), "--config", config.string(), "--listen",
              std::string(veth_path::server_address) + ":" + std::to_string(echo_port)};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "JOURNAL_STREAM"};
    o.stderr_file = dir_ / "stderr";
    process_ = ns.spawn(std::move(o));
    const bool started = test::eventually(
        [&] { return log().find("listening on") != std::string::npos || !process_.running(); }, 15s);
    if (!started || !process_.running())
        throw std::runtime_error("echod did not start listening; its log:\n" + log());
}

echod_in_namespace::~echod_in_namespace()
{
    try {
        if (process_.running())
            (void)stop();
    } catch (const std::exception&) {
        // waitpid failed: the process destructor's SIGKILL is all that is left.
    }
}

std::optional<int> echod_in_namespace::stop()
{
    process_.signal(SIGTERM);
    return process_.wait_for(15s);
}

} // namespace netns
