#include "balancers.hpp"

#include "net.hpp"

#include <sys/socket.h>

#include <cstdio>
#include <filesystem>

namespace ptest {
namespace {

using namespace std::chrono_literals;

// Listening, seen from /proc/net/tcp rather than by connecting: a probe
// connection would be relayed to echod and show up in its log.
bool listening(unsigned port)
{
    const std::string text = test::read_file("/proc/net/tcp");
    char needle[32];
    std::snprintf(needle, sizeof needle, ":%04X 00000000:0000 0A", port);
    return text.find(needle) != std::string::npos;
}

balancer start(const test::temp_dir& dir, const std::string& name, std::vector<std::string> argv, unsigned port)
{
    balancer b;
    b.port = port;
    b.log_file = (dir / (name + ".err")).string();
    test::spawn_options o;
    o.argv = std::move(argv);
    o.own_process_group = true; // nginx's worker goes with its master
    o.stdout_file = dir / (name + ".out");
    o.stderr_file = b.log_file;
    b.process = test::process::spawn(std::move(o));
    if (!test::eventually([&] { return listening(port) || !b.process.running(); }, 15s) || !b.process.running())
        b.unavailable = name + " did not start listening on 127.0.0.1:" + std::to_string(port) + ": " +
                        test::read_file(b.log_file);
    return b;
}

} // namespace

balancer start_haproxy(const test::temp_dir& dir, unsigned backend_port, const std::string& server_option)
{
    const std::string binary = "/usr/sbin/haproxy";
    if (!std::filesystem::exists(binary))
        return {{}, 0, "haproxy is not installed (Debian package haproxy)", {}};
    const unsigned port = test::free_tcp_port();
    const auto config = dir / "haproxy.cfg";
    test::write_file(config, "global\n"
                             "    maxconn 4096\n"
                             "defaults\n"
                             "    mode tcp\n"
                             "    timeout connect 5s\n"
                             "    timeout client 60s\n"
                             "    timeout server 60s\n"
                             "frontend echo_in\n"
                             "    bind 127.0.0.1:" + std::to_string(port) + "\n"
                             "    default_backend echod\n"
                             "backend echod\n"
                             "    server echod 127.0.0.1:" + std::to_string(backend_port) + " " + server_option + "\n");
    return start(dir, "haproxy", {binary, "-f", config.string(), "-db"}, port);
}

balancer start_nginx(const test::temp_dir& dir, unsigned backend_port)
{
    const std::string binary = "/usr/sbin/nginx";
    const std::string module = "/usr/lib/nginx/modules/ngx_stream_module.so";
    if (!std::filesystem::exists(binary))
        return {{}, 0, "nginx is not installed (Debian package nginx)", {}};
    if (!std::filesystem::exists(module))
        return {{}, 0, "nginx's stream module is not installed (Debian package libnginx-mod-stream)", {}};
    const unsigned port = test::free_tcp_port();
    const auto config = dir / "nginx.conf";
    test::write_file(config, "load_module " + module + ";\n"
                             "worker_processes 1;\n"
                             "pid " + (dir / "nginx.pid").string() + ";\n"
                             "error_log " + (dir / "nginx-error.log").string() + " notice;\n"
                             "events { worker_connections 2048; }\n"
                             "stream {\n"
                             "    server {\n"
                             "        listen 127.0.0.1:" + std::to_string(port) + ";\n"
                             "        proxy_pass 127.0.0.1:" + std::to_string(backend_port) + ";\n"
                             "        proxy_protocol on;\n"
                             "    }\n"
                             "}\n");
    return start(dir, "nginx",
                 {binary, "-e", (dir / "nginx-error.log").string(), "-p", dir.path().string(), "-c", config.string(), "-g",
                  "daemon off;"},
                 port);
}

} // namespace ptest
