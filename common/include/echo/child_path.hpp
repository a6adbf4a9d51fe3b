// Marks the functions a forked child runs for every connection.
//
// fork() does not copy the page-table entries of program text: a new child
// takes a page fault on the first instruction it runs in each 64 KiB of code
// (the kernel maps that much around a fault). Spread over the binary, the
// few functions of the child's path cost a fault each, per connection.
// Placed in a ".text.hot.*" section, the linker puts them side by side.
#pragma once

#define ECHO_CHILD_PATH [[gnu::section(".text.hot.echo_child_path")]]
