// The libraries echod links, linked the same way (C++ runtime and Boost
// static, libsystemd not at all: echod opens it only to talk to systemd) and
// used once, as echod uses them before it serves, so that fork_cost measures
// a process mapped like echod's parent.
#include <boost/program_options.hpp>

#include <string>

extern "C" void touch_libraries()
{
    boost::program_options::options_description options("fork-cost");
    options.add_options()("unused", "parsed once, like echod's options");
    boost::program_options::variables_map values;
    const char* argv[] = {"fork-cost"};
    boost::program_options::store(boost::program_options::parse_command_line(1, argv, options), values);
    static std::string kept = "and a little heap, like any C++ program";
}
