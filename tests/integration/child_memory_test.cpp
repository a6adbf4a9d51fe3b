// What a connection's child keeps as its own while it holds a connection.
// The acceptor writes its books, its counters and its loop's stack after
// every fork; each page it writes that a live child still shares becomes that
// child's private copy. So the books and counters live where children have no
// mapping (server/parent_only_allocator.hpp), and the loop runs from the top
// of one stack page (supervisor::run()). Read from /proc/PID/smaps.
#include "helpers.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool under_address_sanitizer = true;
#else
constexpr bool under_address_sanitizer = false;
#endif

// KiB of Private_Dirty in `pid`'s mappings named `name` ("[heap]", "[stack]").
long private_dirty_kib(pid_t pid, const std::string& name)
{
    std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
    std::string line, current;
    long total = 0;
    while (std::getline(smaps, line)) {
        std::istringstream fields(line);
        std::string first;
        fields >> first;
        if (first.empty())
            continue;
        if (first.back() != ':') { // "start-end perms offset dev inode [name]"
            std::string skip;
            fields >> skip >> skip >> skip >> skip;
            current.clear();
            fields >> current;
        } else if (first == "Private_Dirty:" && current == name) {
            long kib = 0;
            fields >> kib;
            total += kib;
        }
    }
    return total;
}

TEST(ChildMemory, HeldConnectionKeepsNoCopyOfTheAcceptorsHeapAndOneStackPage)
{
    if (under_address_sanitizer)
        GTEST_SKIP() << "AddressSanitizer's redzones make every frame larger: the loop's stack spans more than a page";
    test::echod_instance echod(std::vector<std::string>{"--max-per-source", "0", "--log-level", "warning"});
    // Many connections first, as a running server has had: the acceptor's
    // books and stack are in use, not fresh.
    for (int i = 0; i < 300; ++i) {
        const auto c = test::connect_tcp("127.0.0.1", echod.port());
        test::send_all(c.get(), "x");
        ASSERT_EQ(test::read_exactly(c.get(), 1), "x");
    }
    ASSERT_TRUE(test::eventually([&] { return itest::live_children(echod.pid()).empty(); }, 10s));

    // Then connections held, each forked after the one before; the acceptor
    // wrote its books after every fork but the last.
    std::vector<echo::unique_fd> held;
    for (int i = 0; i < 8; ++i) {
        held.push_back(test::connect_tcp("127.0.0.1", echod.port(), "127.0.0." + std::to_string(2 + i)));
        test::send_all(held.back().get(), "held");
        ASSERT_EQ(test::read_exactly(held.back().get(), 4), "held");
    }
    const auto children = itest::live_children(echod.pid());
    ASSERT_EQ(children.size(), held.size());
    for (const pid_t child : children) {
        EXPECT_EQ(private_dirty_kib(child, "[heap]"), 0) << "child " << child << " holds a copy of the acceptor's heap";
        EXPECT_LE(private_dirty_kib(child, "[stack]"), 4) << "child " << child << " holds more than one stack page";
    }
    held.clear();
    EXPECT_EQ(echod.stop(), 0);
}

} // namespace
