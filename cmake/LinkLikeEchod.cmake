# link_like_echod(TARGET): how echod links, in one place. tests/bench links
# its "like echod" fork-cost process with this too, so the two cannot drift
# apart; as a module included from the top CMakeLists.txt it is defined
# before any directory uses it, whatever the order of add_subdirectory().
#
# Each shared library is five mappings or so that every fork() copies and
# every exit tears down, per connection. So libsystemd is dlopen()ed, and only
# by the monitor, never by the process that forks (libsystemd.hpp, monitor.hpp:
# its header, not its link, is needed),
# and the C++ runtime and Boost.ProgramOptions (static, see the top
# CMakeLists.txt) are linked in: 26 mappings instead of 85 (measured in
# tests/bench/results/RESULTS.md).
# -z now binds every symbol at startup. With lazy binding each forked child
# resolved the functions the parent had never called (sigaction, send, ...)
# itself, faulting in the libraries' symbol tables again for every connection.
function(link_like_echod target)
    target_link_libraries(${target} PRIVATE Boost::program_options ${CMAKE_DL_LIBS})
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc LINKER:-z,now LINKER:-z,relro)
endfunction()
