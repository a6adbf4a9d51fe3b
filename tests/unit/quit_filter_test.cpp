// The client's quit-line rule: a line that is exactly "q" or "Q" (ended by
// "\n", "\r\n" or end of input) ends the input; it and everything after it is
// not sent. Input arrives in arbitrary pieces, so the filter must give the
// same answer however the stream is cut.
#include "echo/protocol.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using echo::protocol::quit_line_filter;

struct outcome {
    std::string sent;
    bool quit = false;
    friend bool operator==(const outcome&, const outcome&) = default;
};

std::ostream& operator<<(std::ostream& out, const outcome& o)
{
    out << "{quit=" << o.quit << ", sent=\"";
    for (char c : o.sent) {
        if (c == '\n')
            out << "\\n";
        else if (c == '\r')
            out << "\\r";
        else
            out << c;
    }
    return out << "\"}";
}

// The rule stated on whole input, line by line: obviously right, no state.
outcome reference(std::string_view text)
{
    outcome o;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        const bool ended = nl != std::string_view::npos;
        const std::string_view line = text.substr(start, ended ? nl - start : std::string_view::npos);
        const bool q = line == "q" || line == "Q";
        const bool q_cr = line == "q\r" || line == "Q\r";
        // "q" ended by end of input quits; "q\r" without its "\n" is data.
        if ((ended && (q || q_cr)) || (!ended && q)) {
            o.quit = true;
            return o;
        }
        o.sent.append(line);
        if (ended)
            o.sent.push_back('\n');
        start = ended ? nl + 1 : text.size();
    }
    return o;
}

// Runs the filter as the client does: held bytes first, then the forwarded
// prefix of the input; finish() at end of input.
outcome run_filter(std::string_view text, const std::vector<std::size_t>& cuts)
{
    quit_line_filter filter;
    outcome o;
    std::size_t pos = 0;
    for (std::size_t size : cuts) {
        const std::string_view chunk = text.substr(pos, size);
        pos += chunk.size();
        const auto step = filter.feed(chunk);
        EXPECT_LE(step.forward, chunk.size());
        o.sent.append(step.held);
        o.sent.append(chunk.substr(0, step.forward));
        if (step.quit) {
            o.quit = true;
            EXPECT_TRUE(filter.quit_seen());
            return o;
        }
    }
    o.sent.append(filter.finish());
    o.quit = filter.quit_seen();
    return o;
}

outcome run_filter_in_pieces(std::string_view text, std::size_t piece)
{
    std::vector<std::size_t> cuts;
    for (std::size_t done = 0; done < text.size(); done += piece)
        cuts.push_back(piece);
    return run_filter(text, cuts);
}

TEST(QuitLineFilter, ReferenceAgreesWithTheIssue)
{
    EXPECT_EQ(reference("a\nb\nq\nc\n"), (outcome{"a\nb\n", true}));
    EXPECT_EQ(reference("a\r\nq\r\nc\n"), (outcome{"a\r\n", true}));
    EXPECT_EQ(reference("a\nq"), (outcome{"a\n", true}));
    EXPECT_EQ(reference("a\nq\r"), (outcome{"a\nq\r", false}));
    EXPECT_EQ(reference("qq\n q\nq \n"), (outcome{"qq\n q\nq \n", false}));
}

TEST(QuitLineFilter, QuitLineStopsInput)
{
    EXPECT_EQ(run_filter_in_pieces("a\nb\nq\nc\n", 100), (outcome{"a\nb\n", true}));
    EXPECT_EQ(run_filter_in_pieces("a\nb\nQ\nc\n", 100), (outcome{"a\nb\n", true}));
    EXPECT_EQ(run_filter_in_pieces("a\r\nq\r\nc\r\n", 100), (outcome{"a\r\n", true}));
    EXPECT_EQ(run_filter_in_pieces("q\n", 100), (outcome{"", true}));
}

TEST(QuitLineFilter, LinesThatMerelyContainQAreData)
{
    for (const char* text : {"qq\n", "q q\n", " q\n", "q \n", "aq\n", "qa\n", "q\r\r\n", "q\rx\n", "\rq\n", "Qq\n"}) {
        SCOPED_TRACE(text);
        EXPECT_EQ(run_filter_in_pieces(text, 100), (outcome{text, false}));
        EXPECT_EQ(run_filter_in_pieces(text, 1), (outcome{text, false}));
    }
}

// A lone "q" arriving in one read may be the quit line only once the next
// read shows "\n": it must be held, not sent and not dropped.
TEST(QuitLineFilter, HeldQIsReleasedWhenItTurnsOutToBeData)
{
    quit_line_filter f;
    auto s = f.feed("a\nq");
    EXPECT_EQ(s.held, "");
    EXPECT_EQ(s.forward, 2U);
    EXPECT_FALSE(s.quit);
    s = f.feed("x\n");
    EXPECT_EQ(s.held, "q");
    EXPECT_EQ(s.forward, 2U);
    EXPECT_FALSE(s.quit);
}

// The bug that was just fixed: a held "q" was lost when a second false
// candidate ("qy") appeared later in the same chunk.
TEST(QuitLineFilter, HeldQSurvivesASecondFalseCandidateInTheSameChunk)
{
    EXPECT_EQ(run_filter("q" "x\nqy\n", {1, 5}), (outcome{"qx\nqy\n", false}));
    EXPECT_EQ(run_filter("q\r" "x\nq\rz\nQ\r\n", {2, 10}), (outcome{"q\rx\nq\rz\n", true}));
}

TEST(QuitLineFilter, QuitSplitAcrossReads)
{
    EXPECT_EQ(run_filter("a\nq" "\nb\n", {3, 3}), (outcome{"a\n", true}));
    EXPECT_EQ(run_filter("a\nq\r" "\nb\n", {4, 3}), (outcome{"a\n", true}));
    EXPECT_EQ(run_filter("a\nq" "\r" "\n", {3, 1, 1}), (outcome{"a\n", true}));
}

// finish(): "q" at end of input is a quit line (nothing to send); "q\r" at
// end of input is data and must be sent.
TEST(QuitLineFilter, FinishSemantics)
{
    {
        quit_line_filter f;
        const auto s = f.feed("a\nq");
        EXPECT_FALSE(s.quit);
        EXPECT_EQ(f.finish(), "");
        EXPECT_TRUE(f.quit_seen());
    }
    {
        quit_line_filter f;
        const auto s = f.feed("a\nq\r");
        EXPECT_FALSE(s.quit);
        EXPECT_EQ(f.finish(), "q\r");
        EXPECT_FALSE(f.quit_seen());
    }
    {
        quit_line_filter f;
        (void)f.feed("abc");
        EXPECT_EQ(f.finish(), "");
        EXPECT_FALSE(f.quit_seen());
    }
    {
        quit_line_filter f;
        EXPECT_EQ(f.finish(), "");
        EXPECT_FALSE(f.quit_seen());
    }
}

TEST(QuitLineFilter, NothingPassesAfterTheQuitLine)
{
    quit_line_filter f;
    const auto s = f.feed("a\nq\nb\n");
    EXPECT_TRUE(s.quit);
    EXPECT_EQ(s.forward, 2U);
    const auto later = f.feed("more\n");
    EXPECT_TRUE(later.quit);
    EXPECT_EQ(later.forward, 0U);
    EXPECT_EQ(later.held, "");
    EXPECT_EQ(f.finish(), "");
}

// What the client says when a quit line cut the input short: how many input
// bytes followed the quit line, and which letter it was.
struct quit_position {
    std::size_t before = 0; // bytes of input before the quit line
    std::size_t after = 0;  // bytes of input after it
    char letter = '\0';
    friend bool operator==(const quit_position&, const quit_position&) = default;
};

std::ostream& operator<<(std::ostream& out, const quit_position& p)
{
    return out << "{before=" << p.before << ", after=" << p.after << ", letter=" << (p.letter ? p.letter : '0') << "}";
}

std::optional<quit_position> reference_position(std::string_view text)
{
    for (std::size_t start = 0; start < text.size();) {
        const auto nl = text.find('\n', start);
        if (nl == std::string_view::npos)
            return std::nullopt; // a "q" ended by end of input leaves nothing after it
        const std::string_view line = text.substr(start, nl - start);
        if (line == "q" || line == "Q" || line == "q\r" || line == "Q\r")
            return quit_position{start, text.size() - nl - 1, line[0]};
        start = nl + 1;
    }
    return std::nullopt;
}

std::optional<quit_position> filter_position(std::string_view text, const std::vector<std::size_t>& cuts)
{
    quit_line_filter filter;
    std::size_t pos = 0;
    for (std::size_t size : cuts) {
        const std::string_view chunk = text.substr(pos, size);
        const auto step = filter.feed(chunk);
        if (step.quit) {
            EXPECT_LE(step.consumed, chunk.size());
            const std::size_t end = pos + step.consumed;
            // The quit line ends with "\n", and what precedes it is "q" or "q\r".
            EXPECT_EQ(text[end - 1], '\n');
            const std::size_t begin = text[end - 2] == '\r' ? end - 3 : end - 2;
            return quit_position{begin, text.size() - end, filter.quit_letter()};
        }
        EXPECT_EQ(step.consumed, chunk.size());
        pos += chunk.size();
    }
    return std::nullopt;
}

TEST(QuitLineFilter, ConsumedEndsAtTheQuitLine)
{
    EXPECT_EQ(filter_position("a\nb\nq\nc\n", {100}), (quit_position{4, 2, 'q'}));
    EXPECT_EQ(filter_position("a\nQ\r\nc\n", {100}), (quit_position{2, 2, 'Q'}));
    EXPECT_EQ(filter_position("a\nq" "\n", {3, 1}), (quit_position{2, 0, 'q'}));
    EXPECT_EQ(filter_position("q" "\r" "\nxyz", {1, 1, 4}), (quit_position{0, 3, 'q'}));
    EXPECT_EQ(filter_position("a\nq", {3}), std::nullopt);
    quit_line_filter f;
    EXPECT_EQ(f.quit_letter(), '\0');
    EXPECT_EQ(f.feed("abc\n").consumed, 4U);
    EXPECT_EQ(f.quit_letter(), '\0');
}

TEST(QuitLineFilter, PropertyQuitPositionMatchesReference)
{
    static const std::vector<std::string> tokens = {"q", "Q", "\r", "\n", "\r\n", "q\n", "Q\n", "q\r\n", "a", "qq"};
    std::mt19937 gen(17);
    int quits = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string text;
        const int count = std::uniform_int_distribution<int>(0, 30)(gen);
        for (int t = 0; t < count; ++t)
            text += tokens[std::uniform_int_distribution<std::size_t>(0, tokens.size() - 1)(gen)];
        const auto expected = reference_position(text);
        quits += expected.has_value();
        std::vector<std::size_t> cuts;
        for (std::size_t done = 0; done < text.size();) {
            const std::size_t piece = std::uniform_int_distribution<std::size_t>(1, 7)(gen);
            cuts.push_back(piece);
            done += piece;
        }
        SCOPED_TRACE("round " + std::to_string(round) + ", text " + ::testing::PrintToString(text));
        ASSERT_EQ(filter_position(text, cuts), expected) << "cuts " << ::testing::PrintToString(cuts);
    }
    EXPECT_GT(quits, 1000);
}

// Random text dense in q, Q, \r and \n, cut at random sizes (down to one
// byte), must give exactly what the whole-string reference gives.
TEST(QuitLineFilter, PropertyRandomSplitsMatchReference)
{
    static const std::vector<std::string> tokens = {"q", "Q", "\r", "\n", "\r\n", "q\n", "q\r", "q\r\n", "Q\r\n",
                                                    "qq", "a", "x", " ", "\n\n", "\r\r", "qQ", "hello", std::string(1, '\0')};
    std::mt19937 gen(20261121);
    int quits = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string text;
        const int count = std::uniform_int_distribution<int>(0, 40)(gen);
        for (int t = 0; t < count; ++t)
            text += tokens[std::uniform_int_distribution<std::size_t>(0, tokens.size() - 1)(gen)];
        const outcome expected = reference(text);
        quits += expected.quit;

        // Every way of cutting: one byte at a time, fixed sizes, random sizes.
        const std::size_t max_piece = std::uniform_int_distribution<std::size_t>(1, 9)(gen);
        std::vector<std::size_t> cuts;
        for (std::size_t done = 0; done < text.size();) {
            const std::size_t piece = std::uniform_int_distribution<std::size_t>(1, max_piece)(gen);
            cuts.push_back(piece);
            done += piece;
        }
        SCOPED_TRACE("round " + std::to_string(round) + ", text " + ::testing::PrintToString(text));
        ASSERT_EQ(run_filter(text, cuts), expected) << "cuts " << ::testing::PrintToString(cuts);
        ASSERT_EQ(run_filter_in_pieces(text, 1), expected) << "one byte at a time";
        ASSERT_EQ(run_filter_in_pieces(text, 2), expected) << "two bytes at a time";
        ASSERT_EQ(run_filter_in_pieces(text, std::max<std::size_t>(text.size(), 1)), expected) << "whole";
    }
    // The generator must exercise both outcomes, or the property says little.
    EXPECT_GT(quits, 1000);
    EXPECT_LT(quits, 19000);
}

} // namespace
