// How echo-client --udp cuts its input into datagrams.
#include "udp/line_datagrams.hpp"

#include <gtest/gtest.h>

namespace {

using echo_client::udp::line_datagrams;
using list = std::deque<std::string>;

TEST(UdpClientLines, EachLineIsOneDatagramWhateverTheReads)
{
    line_datagrams lines(100);
    list out;
    EXPECT_FALSE(lines.feed("one\ntw", out).quit);
    EXPECT_FALSE(lines.feed("o\nthree", out).quit);
    lines.finish(out);
    EXPECT_EQ(out, (list{"one\n", "two\n", "three"}));
}

TEST(UdpClientLines, ALongLineGoesAsSeveralDatagrams)
{
    line_datagrams lines(4);
    list out;
    (void)lines.feed("abcdefghij\nk\n", out);
    lines.finish(out);
    EXPECT_EQ(out, (list{"abcd", "efgh", "ij\n", "k\n"}));
}

TEST(UdpClientLines, TheQuitLineEndsTheInputEvenSplitAcrossReads)
{
    line_datagrams lines(100);
    list out;
    EXPECT_FALSE(lines.feed("a\nq", out).quit);
    const auto step = lines.feed("\r\nnot sent\n", out);
    EXPECT_TRUE(step.quit);
    EXPECT_EQ(step.consumed, 2u);
    EXPECT_EQ(lines.quit_letter(), 'q');
    EXPECT_EQ(out, (list{"a\n"}));
}

TEST(UdpClientLines, AqThatIsNotAQuitLineIsData)
{
    line_datagrams lines(100);
    list out;
    (void)lines.feed("q\r", out);
    lines.finish(out);
    (void)lines.feed("", out);
    EXPECT_EQ(out, (list{"q\r"}));
}

} // namespace
