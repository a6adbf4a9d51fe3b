// server/limits/parent_only_allocator.hpp with a real fork(): the parent
// keeps its books, and a child has no mapping where they are. (What that
// saves, faults and memory, is measured by the benchmark, not asserted here.)
#include "limits/parent_only_allocator.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace {

using books = std::vector<long, echod::parent_only_allocator<long>>;


TEST(ParentOnlyAllocator, ChildHasNoMappingThereParentKeepsItsBooks)
{
    books b(4096, 7); // eight pages
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // No gtest in the child: its verdict is the exit status. mincore()
        // fails with ENOMEM for a range that is not mapped, without touching it.
        unsigned char resident[8];
        const bool unmapped = ::mincore(b.data(), b.size() * sizeof(long), resident) != 0 && errno == ENOMEM;
        ::_exit(unmapped ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the child has the parent's books mapped";
    EXPECT_TRUE(std::all_of(b.begin(), b.end(), [](long v) { return v == 7; }));
}


} // namespace
