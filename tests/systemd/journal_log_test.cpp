// When stderr is the journal (JOURNAL_STREAM names it), lines carry sd-daemon
// priority prefixes so `journalctl -p` works; otherwise they are plain.
#include "echod_instance.hpp"
#include "net.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

namespace {

using namespace std::chrono_literals;

// Runs one connection through an echod whose stderr file is `stderr_file`
// and returns its log.
std::string log_of_one_connection(const std::vector<std::string>& env, bool journal)
{
    test::temp_dir dir;
    test::write_file(dir / "echod.conf", "");
    const auto log = dir / "stderr";
    test::write_file(log, "");
    std::vector<std::string> environment = env;
    if (journal) {
        // The file's own device and inode: what systemd sets for its stream.
        struct stat st{};
        ::stat(log.c_str(), &st);
        environment.push_back("JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino));
    }
    test::spawn_options o;
    o.argv = {test::echod_binary(), "--config", (dir / "echod.conf").string(), "--listen", "127.0.0.1:0"};
    o.env = environment;
    o.unset = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID"};
    o.stderr_file = log;
    auto p = test::process::spawn(o);
    std::string text;
    unsigned port = 0;
    EXPECT_TRUE(test::eventually([&] {
        text = test::read_file(log);
        const auto at = text.find("listening on 127.0.0.1:");
        if (at == std::string::npos)
            return false;
        port = static_cast<unsigned>(std::stoul(text.substr(at + 23)));
        return true;
    })) << text;
    {
        auto fd = test::connect_tcp("127.0.0.1", port);
        test::send_all(fd.get(), "hello");
        EXPECT_EQ(test::read_exactly(fd.get(), 5), "hello");
    }
    EXPECT_TRUE(test::eventually([&] { return test::read_file(log).find("ended: client closed") != std::string::npos; }));
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_for(10s), 0);
    return test::read_file(log);
}

TEST(JournalLog, PriorityPrefixesWhenStderrIsTheJournal)
{
    const std::string log = log_of_one_connection({}, true);
    // notice (5) for start/stop, info (6) for connections; no "echod[PID]:" — journald adds that.
    EXPECT_NE(log.find("<5>echod "), std::string::npos) << log;
    EXPECT_NE(log.find("<6>connection from 127.0.0.1:"), std::string::npos) << log;
    EXPECT_EQ(log.find("echod["), std::string::npos) << log;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);)
        EXPECT_TRUE(line.size() > 3 && line[0] == '<' && line[2] == '>') << "line without priority: " << line;
}

TEST(JournalLog, PlainLinesWhenJournalStreamIsSomeoneElses)
{
    // JOURNAL_STREAM inherited from a parent whose stderr went to the journal
    // must not count once stderr is a file.
    const std::string log = log_of_one_connection({"JOURNAL_STREAM=1:1"}, false);
    EXPECT_EQ(log.find("<6>"), std::string::npos) << log;
    EXPECT_NE(log.find("echod["), std::string::npos) << log;
    EXPECT_NE(log.find("]: connection from 127.0.0.1:"), std::string::npos) << log;
}

} // namespace
