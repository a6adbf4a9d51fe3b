// What echod checks about its own environment at start, so that a premise of
// its design cannot break silently (issue 16): it forks with _Fork(), sound
// only while it is single-threaded, and its idle timeout is a socket option
// whose failure would otherwise go unnoticed.
#include "helpers.hpp"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>

namespace {

constexpr int seccomp_unavailable = 99;

// After fork, before exec: makes every setsockopt(..., SO_RCVTIMEO, ...) fail
// with ENOPROTOOPT, in this process and the echod it becomes (a seccomp
// filter survives exec). Exits 99 when the kernel or container refuses.
void make_so_rcvtimeo_fail()
{
#if defined(__x86_64__)
    constexpr unsigned arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    constexpr unsigned arch = AUDIT_ARCH_AARCH64;
#else
    ::_exit(seccomp_unavailable);
#endif
    sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setsockopt, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        // args[2], the option name (its low half: little-endian).
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args) + 2 * sizeof(__u64)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SO_RCVTIMEO, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOPROTOOPT),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0)
        ::_exit(seccomp_unavailable);
}

TEST(Invariants, AnIdleTimeoutThatCannotBeSetStopsTheStart)
{
    test::temp_dir dir;
    test::write_file(dir / "echod.conf", "");
    const auto r = itest::run_echod(
        {"--config", (dir / "echod.conf").string(), "--listen", "127.0.0.1:0", "--idle-timeout", "5"},
        make_so_rcvtimeo_fail);
    if (r.status == seccomp_unavailable)
        GTEST_SKIP() << "cannot install a seccomp filter here";
    EXPECT_EQ(r.status, 71) << r.err;
    EXPECT_NE(r.err.find("SO_RCVTIMEO"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("127.0.0.1:"), std::string::npos) << r.err;
}

TEST(Invariants, EchodRefusesToForkWhenItIsNotSingleThreaded)
{
    test::temp_dir dir;
    test::write_file(dir / "echod.conf", "");
    test::spawn_options o;
    o.argv = {test::echod_binary(), "--config", (dir / "echod.conf").string(), "--listen", "127.0.0.1:0"};
    // A sanitizer runtime wants to come first in the list of libraries; the
    // preloaded one is built without it and must come first here.
    o.env = {"LD_PRELOAD=" START_A_THREAD_LIBRARY, "ASAN_OPTIONS=verify_asan_link_order=0"};
    const auto r = itest::run_to_end(std::move(o));
    EXPECT_EQ(r.status, 70) << r.err;
    EXPECT_NE(r.err.find("threads"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("listening on"), std::string::npos) << "it served first: " << r.err;
}

} // namespace
