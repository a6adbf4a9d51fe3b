// echod with its defaults (plus `args`), listening on the server side of a
// veth_path, inside that namespace; stopped with the test.
#pragma once

#include "netns.hpp"
#include "process.hpp"

#include <optional>
#include <string>
#include <vector>

namespace netns {

// A namespace of our own has every port free: the echo port it is.
inline constexpr unsigned echo_port = 7;

class echod_in_namespace {
public:
    explicit echod_in_namespace(const network_namespace& ns, std::vector<std::string> args = {});
    // Stops echod as stop() does if the test has not: killed outright, it
    // would leave a child serving a connection whose link the test cut
    // waiting out its idle timeout (300 s by default), an orphan holding
    // the namespace.
    ~echod_in_namespace();
    echod_in_namespace(const echod_in_namespace&) = delete;
    echod_in_namespace& operator=(const echod_in_namespace&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }
    [[nodiscard]] std::string log() const { return process_.stderr_text(); }
    // SIGTERM, then its exit status (nothing if it did not exit in time).
    std::optional<int> stop();

private:
    test::temp_dir dir_;
    test::process process_;
};

} // namespace netns
