// Network namespaces a test makes for itself, and a path between two of them.
//
// A namespace here has no name: it is created by a short-lived thread that
// calls unshare(CLONE_NEWNET), and lives as long as the descriptor that
// refers to it (and any process inside). Nothing is mounted under
// /run/netns, so parallel runs cannot collide and a test that dies, even by
// SIGKILL, leaves nothing behind once its processes are gone (the programs
// started inside get PR_SET_PDEATHSIG for that).
#pragma once

#include "process.hpp"

#include "echo/unique_fd.hpp"

#include <functional>
#include <string>
#include <vector>

namespace netns {

// Why the tests cannot run here ("" if they can): not root, no ip/nft/tc,
// or creating a network namespace is not permitted (nested containers).
[[nodiscard]] std::string missing_precondition();

class network_namespace {
public:
    network_namespace();
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }

    // Runs `work` on a thread that has joined this namespace, and waits for
    // it: sockets it creates belong to this namespace for good.
    void inside(const std::function<void()>& work) const;

    // Runs a tool (ip, nft, tc, or a program under test) inside; throws with
    // its standard error if it fails.
    void run(std::vector<std::string> argv) const;

    // Starts a program inside. It dies with the test process.
    [[nodiscard]] test::process spawn(test::spawn_options options) const;

    // Writes a sysctl of this namespace (name as under /proc/sys).
    void set_sysctl(const std::string& name, const std::string& value) const;

private:
    echo::unique_fd fd_;
};

// Two namespaces joined by a veth pair: echod's side has 192.0.2.1, the
// clients' side 192.0.2.2 and 192.0.2.3 (TEST-NET-1: routed nowhere, and
// there is no other route in either namespace anyway). Segmentation
// offload is off, so every TCP segment is one packet on the path and a
// drop rule drops one segment, not a 64 KiB burst.
class veth_path {
public:
    static constexpr const char* server_address = "192.0.2.1";
    static constexpr const char* client_address = "192.0.2.2";
    static constexpr const char* second_client_address = "192.0.2.3";

    veth_path();

    [[nodiscard]] const network_namespace& server() const noexcept { return server_; }
    [[nodiscard]] const network_namespace& client() const noexcept { return client_; }

    // Drops `percent` of the packets arriving at either end (nftables
    // numgen, on ingress, so the sender sees them lost on the wire); 0 clears it.
    void set_loss(unsigned percent) const;
    // A token bucket on both ends' egress: a bottleneck each way.
    void set_rate(const std::string& rate) const;
    void set_mtu(unsigned mtu) const;
    // Administratively downs (or ups) the clients' end: the cable is pulled.
    void set_link(bool up) const;

private:
    network_namespace server_;
    network_namespace client_;
};

} // namespace netns
