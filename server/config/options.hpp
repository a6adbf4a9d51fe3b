// Command line and configuration file, through Boost.ProgramOptions. The file
// takes the same keys as the long options; the command line wins over it.
#pragma once

#include "config/config.hpp"

#include <boost/program_options.hpp>

#include <optional>
#include <string>

namespace echod {

// The parsed command line, kept so that a reload can merge it again over a
// freshly read configuration file.
struct command_line {
    boost::program_options::parsed_options parsed{nullptr};
    std::string config_path = "/etc/echod.conf";
    bool config_named = false; // --config given: the file must exist
    bool help = false;
    bool version = false;
    bool check_config = false; // --check-config / -t: check_config.hpp
};

// Throws echo::fatal_error (exit status usage) on a bad option or value.
[[nodiscard]] command_line parse_command_line(int argc, const char* const argv[]);

// Reads the configuration file and merges the command line over it. Throws
// echo::fatal_error: no_input when a named file cannot be read, config for an
// error in the file (with FILE:LINE), usage for a bad command-line value.
[[nodiscard]] config load_config(const command_line& cli);

[[nodiscard]] std::string help_text();

} // namespace echod
