// Preloaded into echod by tests that need a system call to fail where a
// seccomp filter cannot tell the calls apart (it cannot count, nor read what
// an argument points to). Built without the sanitizers, so that it does not
// pull their runtime in ahead of echod's. Each fault is off unless its
// variable is set:
//   ECHO_TEST_RCVTIMEO_CALLS=N   the first N setsockopt(SO_RCVTIMEO) calls of
//                                a process succeed, every later one fails with
//                                ENOPROTOOPT (echod starts; a reload fails)
//   ECHO_TEST_EPOLL_EXCLUSIVE=1  epoll_ctl(EPOLL_CTL_ADD) with EPOLLEXCLUSIVE
//                                (what a prefork worker asks) fails with ENOMEM
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>

int setsockopt(int fd, int level, int name, const void* value, socklen_t length)
{
    static int (*real)(int, int, int, const void*, socklen_t);
    static long calls;
    if (!real)
        real = (int (*)(int, int, int, const void*, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
    if (level == SOL_SOCKET && name == SO_RCVTIMEO) {
        const char* allowed = getenv("ECHO_TEST_RCVTIMEO_CALLS");
        if (allowed && ++calls > atol(allowed)) {
            errno = ENOPROTOOPT;
            return -1;
        }
    }
    return real(fd, level, name, value, length);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event* event)
{
    static int (*real)(int, int, int, struct epoll_event*);
    if (!real)
        real = (int (*)(int, int, int, struct epoll_event*))dlsym(RTLD_NEXT, "epoll_ctl");
    if (op == EPOLL_CTL_ADD && event && (event->events & EPOLLEXCLUSIVE) && getenv("ECHO_TEST_EPOLL_EXCLUSIVE")) {
        errno = ENOMEM;
        return -1;
    }
    return real(epfd, op, fd, event);
}
