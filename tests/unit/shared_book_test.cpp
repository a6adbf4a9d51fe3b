// echo-client's one shared-memory book type: what a forked child records
// there, the parent reads, for records alone and for records with an array
// after them (the stream mode's digest slots).
#include "shared_book.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <span>

namespace {

struct plain_records {
    static constexpr const char* what = "a test book";
    std::atomic<std::uint64_t> count{7};
};

struct records_with_tail {
    static constexpr const char* what = "a test book with a tail";
    using tail_type = std::uint64_t;
    static constexpr std::size_t tail_count = 1000;
    explicit records_with_tail(std::span<std::uint64_t> t) noexcept : tail(t) {}
    std::span<std::uint64_t> tail;
};

// Runs `body` in a forked child and waits for it; true if it exited 0.
template <typename Body>
bool in_child(Body body)
{
    const pid_t child = ::fork();
    if (child == 0) {
        body();
        ::_exit(0);
    }
    int status = 0;
    return child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(ClientSharedBook, ChildRecordsAreSeenByTheParent)
{
    echo_client::shared_book<plain_records> book;
    EXPECT_EQ(book->count.load(), 7U); // constructed in place
    ASSERT_TRUE(in_child([&] { book->count.fetch_add(35); }));
    EXPECT_EQ(book.get().count.load(), 42U);
}

TEST(ClientSharedBook, TailIsSharedAndStartsZeroed)
{
    echo_client::shared_book<records_with_tail> book;
    ASSERT_EQ(book->tail.size(), records_with_tail::tail_count);
    for (const auto v : book->tail)
        ASSERT_EQ(v, 0U);
    ASSERT_TRUE(in_child([&] {
        book->tail.front() = 1;
        book->tail.back() = 2;
    }));
    EXPECT_EQ(book->tail.front(), 1U);
    EXPECT_EQ(book->tail.back(), 2U);
}

} // namespace
