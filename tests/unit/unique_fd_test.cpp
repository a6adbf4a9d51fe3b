// unique_fd must close each descriptor exactly once: never leak it, and never
// close it twice (the second close would hit whatever file reused the number).
#include "echo/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <utility>

namespace {

bool is_open(int fd)
{
    return ::fcntl(fd, F_GETFD) != -1;
}

bool is_closed(int fd)
{
    errno = 0;
    return ::fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

int open_null()
{
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw std::runtime_error("open /dev/null failed");
    return fd;
}

TEST(UniqueFd, DefaultIsEmpty)
{
    echo::unique_fd fd;
    EXPECT_FALSE(fd.valid());
    EXPECT_FALSE(static_cast<bool>(fd));
    EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, DestructorCloses)
{
    const int raw = open_null();
    {
        echo::unique_fd fd(raw);
        EXPECT_TRUE(fd.valid());
        EXPECT_TRUE(is_open(raw));
    }
    EXPECT_TRUE(is_closed(raw));
}

// The moved-from object must not close the descriptor again: after the new
// owner closed it, the number is reused by another file, which must survive.
TEST(UniqueFd, MoveConstructionClosesExactlyOnce)
{
    const int raw = open_null();
    auto source = std::make_unique<echo::unique_fd>(raw);
    {
        echo::unique_fd owner(std::move(*source));
        EXPECT_FALSE(source->valid());
        EXPECT_EQ(owner.get(), raw);
        EXPECT_TRUE(is_open(raw));
    }
    EXPECT_TRUE(is_closed(raw));

    // Another file now has the old number (open may already pick it).
    const int other = open_null();
    if (other != raw) {
        ASSERT_EQ(::dup2(other, raw), raw);
        ::close(other);
    }
    source.reset(); // destroys the moved-from object
    EXPECT_TRUE(is_open(raw)) << "moved-from unique_fd closed a descriptor it no longer owns";
    ::close(raw);
}

TEST(UniqueFd, MoveAssignmentClosesTheOldDescriptor)
{
    const int first = open_null();
    const int second = open_null();
    echo::unique_fd target(first);
    echo::unique_fd source(second);
    target = std::move(source);
    EXPECT_TRUE(is_closed(first)) << "the descriptor target owned before leaked";
    EXPECT_EQ(target.get(), second);
    EXPECT_FALSE(source.valid());
    EXPECT_TRUE(is_open(second));
    target.reset();
    EXPECT_TRUE(is_closed(second));
}

TEST(UniqueFd, SelfMoveAssignmentKeepsTheDescriptor)
{
    const int raw = open_null();
    echo::unique_fd fd(raw);
    echo::unique_fd& alias = fd;
    fd = std::move(alias);
    EXPECT_EQ(fd.get(), raw);
    EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFd, ReleaseGivesUpOwnershipWithoutClosing)
{
    const int raw = open_null();
    {
        echo::unique_fd fd(raw);
        EXPECT_EQ(fd.release(), raw);
        EXPECT_FALSE(fd.valid());
    }
    EXPECT_TRUE(is_open(raw));
    ::close(raw);
}

TEST(UniqueFd, ResetClosesAndTakesTheNewOne)
{
    const int first = open_null();
    const int second = open_null();
    echo::unique_fd fd(first);
    fd.reset(second);
    EXPECT_TRUE(is_closed(first));
    EXPECT_EQ(fd.get(), second);
    fd.reset();
    EXPECT_TRUE(is_closed(second));
    EXPECT_FALSE(fd.valid());
}

} // namespace
