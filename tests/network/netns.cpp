#include "netns.hpp"

#include "echo/error.hpp"
#include "echo/io.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

namespace netns {
namespace {

using namespace std::chrono_literals;

// From CMake (find_program); empty or *-NOTFOUND when the tool is missing.
constexpr const char* ip_tool = NETNS_IP;
constexpr const char* nft_tool = NETNS_NFT;
constexpr const char* tc_tool = NETNS_TC;

bool found(const char* tool)
{
    const std::string_view t(tool);
    return !t.empty() && t.find("NOTFOUND") == std::string_view::npos && ::access(tool, X_OK) == 0;
}

// Runs `work` on a fresh thread and rethrows what it threw: namespace
// changes stay on that thread, never on the test's own.
void on_own_thread(const std::function<void()>& work)
{
    std::exception_ptr failure;
    std::thread t([&] {
        try {
            work();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    t.join();
    if (failure)
        std::rethrow_exception(failure);
}

constexpr const char* server_end = "veth-s";
constexpr const char* client_end = "veth-c";

} // namespace

std::string missing_precondition()
{
    if (::geteuid() != 0)
        return "needs root to create network namespaces";
    for (const char* tool : {ip_tool, nft_tool, tc_tool})
        if (!found(tool))
            return std::string("a tool is missing (ip from iproute2, nft from nftables, tc): ") + tool +
                   " (scripts/test installs them)";
    try {
        network_namespace probe;
        probe.run({ip_tool, "link", "set", "lo", "up"});
    } catch (const std::exception& e) {
        return std::string("cannot create and configure a network namespace here (nested container?): ") +
               e.what();
    }
    return {};
}

network_namespace::network_namespace()
{
    on_own_thread([this] {
        if (::unshare(CLONE_NEWNET) != 0)
            echo::throw_errno("unshare(CLONE_NEWNET)");
        fd_.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
        if (!fd_)
            echo::throw_errno("open /proc/thread-self/ns/net");
    });
}

void network_namespace::inside(const std::function<void()>& work) const
{
    on_own_thread([&] {
        if (::setns(fd_.get(), CLONE_NEWNET) != 0)
            echo::throw_errno("setns");
        work();
    });
}

test::process network_namespace::spawn(test::spawn_options options) const
{
    const int ns = fd_.get();
    options.in_child = [ns, then = std::move(options.in_child)] {
        // The test may die without its destructors running: the program must not outlive it.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::setns(ns, CLONE_NEWNET) != 0) {
            ::perror("setns");
            ::_exit(126);
        }
        if (then)
            then();
    };
    return test::process::spawn(std::move(options));
}

void network_namespace::run(std::vector<std::string> argv) const
{
    test::temp_dir dir;
    test::spawn_options o;
    o.argv = std::move(argv);
    o.stderr_file = dir / "stderr";
    o.stdout_file = dir / "stdout";
    auto p = spawn(o);
    const auto status = p.wait_for(30s);
    if (status != 0) {
        std::string command;
        for (const auto& a : o.argv)
            command += (command.empty() ? "" : " ") + a;
        throw std::runtime_error(command + ": " + (status ? "status " + std::to_string(*status) : "hangs") + ": " +
                                 p.stderr_text());
    }
}

void network_namespace::set_sysctl(const std::string& name, const std::string& value) const
{
    inside([&] {
        // /proc/sys/net belongs to the namespace of the thread that opens it.
        const std::string path = "/proc/sys/" + name;
        echo::unique_fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd)
            echo::throw_errno("open " + path);
        if (const auto r = echo::write_all(fd.get(), value); !r.ok())
            throw std::system_error(r.error, std::generic_category(), "write " + path);
    });
}

veth_path::veth_path()
{
    server_.run({ip_tool, "link", "set", "lo", "up"});
    client_.run({ip_tool, "link", "set", "lo", "up"});
    // The peer end is created straight in the clients' namespace, named by
    // a descriptor the ip process inherits.
    test::spawn_options o;
    const int peer = client_.fd();
    const std::string peer_path = "/proc/self/fd/" + std::to_string(peer);
    {
        test::temp_dir dir;
        o.argv = {ip_tool, "link", "add", server_end, "type", "veth", "peer", "name", client_end, "netns", peer_path};
        o.stderr_file = dir / "stderr";
        o.in_child = [peer] { ::fcntl(peer, F_SETFD, 0); };
        auto p = server_.spawn(o);
        if (p.wait_for(30s) != 0)
            throw std::runtime_error("ip link add veth: " + p.stderr_text());
    }
    for (const auto* ns : {&server_, &client_}) {
        const char* end = ns == &server_ ? server_end : client_end;
        // One segment per packet: see the class comment.
        ns->run({ip_tool, "link", "set", "dev", end, "gso_max_segs", "1"});
        ns->run({nft_tool, "add", "table", "inet", "chaos"});
        ns->run({nft_tool, "add", "chain", "inet", "chaos", "arriving",
                 "{ type filter hook prerouting priority -300 ; policy accept ; }"});
    }
    server_.run({ip_tool, "address", "add", std::string(server_address) + "/24", "dev", server_end});
    client_.run({ip_tool, "address", "add", std::string(client_address) + "/24", "dev", client_end});
    client_.run({ip_tool, "address", "add", std::string(second_client_address) + "/24", "dev", client_end});
    server_.run({ip_tool, "link", "set", "dev", server_end, "up"});
    client_.run({ip_tool, "link", "set", "dev", client_end, "up"});
}

void veth_path::set_loss(unsigned percent) const
{
    for (const auto* ns : {&server_, &client_}) {
        ns->run({nft_tool, "flush", "chain", "inet", "chaos", "arriving"});
        if (percent > 0)
            ns->run({nft_tool, "add", "rule", "inet", "chaos", "arriving", "iifname",
                     ns == &server_ ? server_end : client_end, "numgen", "random", "mod", "100", "<",
                     std::to_string(percent), "drop"});
    }
}

void veth_path::set_rate(const std::string& rate) const
{
    // burst: a few full packets; latency: the queue holds at most this much
    // waiting time, beyond it packets are dropped as at a real bottleneck.
    server_.run({tc_tool, "qdisc", "replace", "dev", server_end, "root", "tbf", "rate", rate, "burst", "8kb",
                 "latency", "200ms"});
    client_.run({tc_tool, "qdisc", "replace", "dev", client_end, "root", "tbf", "rate", rate, "burst", "8kb",
                 "latency", "200ms"});
}

void veth_path::set_mtu(unsigned mtu) const
{
    server_.run({ip_tool, "link", "set", "dev", server_end, "mtu", std::to_string(mtu)});
    client_.run({ip_tool, "link", "set", "dev", client_end, "mtu", std::to_string(mtu)});
}

void veth_path::set_link(bool up) const
{
    client_.run({ip_tool, "link", "set", "dev", client_end, up ? "up" : "down"});
}

} // namespace netns
