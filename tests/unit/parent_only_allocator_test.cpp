// server/parent_only_allocator.hpp with a real fork(): the parent keeps its
// books, a child has no mapping where they are, and the parent's writes right
// after fork() are not copy-on-write faults.
#include "limits/parent_only_allocator.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace {

using books = std::vector<long, echod::parent_only_allocator<long>>;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool under_address_sanitizer = true;
#else
constexpr bool under_address_sanitizer = false;
#endif

long minor_faults()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

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

TEST(ParentOnlyAllocator, WritingAfterForkCostsNoFault)
{
    books b(4096, 7);
    std::vector<long> ordinary(4096, 7); // the same eight pages, malloc'd
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        char c;
        // Alive, sharing pages, until told. (A cast to void does not silence
        // g++ 14's warn_unused_result under _FORTIFY_SOURCE: use the result.)
        const ssize_t got = ::read(pipe_fds[0], &c, 1);
        ::_exit(got == 1 ? 0 : 1);
    }
    // One write per page, while the child still shares what it can. The
    // first call writes its own stack page after fork(), a fault of its own.
    (void)minor_faults();
    const long before_books = minor_faults();
    for (std::size_t i = 0; i < b.size(); i += 512)
        b[i] = 8;
    const long books_faults = minor_faults() - before_books;
    const long before_ordinary = minor_faults();
    for (std::size_t i = 0; i < ordinary.size(); i += 512)
        ordinary[i] = 8;
    const long ordinary_faults = minor_faults() - before_ordinary;

    const ssize_t told = ::write(pipe_fds[1], "x", 1);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_EQ(told, 1);
    // AddressSanitizer writes shadow memory for each new stack frame, in
    // places that move from call to call: its own copy-on-write faults land
    // in this count now and then, whatever the books do.
    if (!under_address_sanitizer) {
        EXPECT_EQ(books_faults, 0);
    }
    EXPECT_GE(ordinary_faults, 8) << "ordinary pages should have been copy-on-write: is the test measuring?";
}

} // namespace
