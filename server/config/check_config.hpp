// echod --check-config (-t): reads the configuration as a reload would
// (command line + file, load_config) and says whether a reload would take it,
// as nginx -t and sshd -t do. The units' ExecReload= runs it before the
// SIGHUP, so a broken file fails `systemctl reload` instead of being logged
// by a reload that reports success.
#pragma once

#include "config/options.hpp"

namespace echod {

// Prints one line and returns the exit status: 0 (stdout: the configuration
// is fine) or 78, EX_CONFIG (stderr: what a failed reload logs after
// "reload failed, keeping the running configuration: ").
[[nodiscard]] int check_config(const command_line& cli);

} // namespace echod
