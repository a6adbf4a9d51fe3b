/*
 * REFERENCE, NOT A PRODUCT. A single-process, non-blocking epoll echo server:
 * no fork at all, so the ceiling for connection rate that echod's prefork mode
 * with many connections per child is compared against. No options, no limits,
 * no logging, no graceful shutdown.
 *
 * Usage: echo-bench-epoll-server PORT   (listens on 127.0.0.1:PORT)
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes read but not yet written back; only exists while the peer is slow. */
struct connection {
    int fd;
    char* pending;
    size_t pending_length;
    size_t pending_offset;
};

static char buffer[64 * 1024];

static void drop(struct connection* c)
{
    close(c->fd); /* also removes it from the epoll set */
    free(c->pending);
    free(c);
}

/* Writes what is pending; returns -1 on error, 0 when all is out, 1 when the
 * socket is full. */
static int flush(struct connection* c)
{
    while (c->pending_offset < c->pending_length) {
        ssize_t put = send(c->fd, c->pending + c->pending_offset, c->pending_length - c->pending_offset,
                           MSG_NOSIGNAL);
        if (put < 0)
            return (errno == EAGAIN || errno == EINTR) ? 1 : -1;
        c->pending_offset += (size_t)put;
    }
    free(c->pending);
    c->pending = NULL;
    c->pending_length = c->pending_offset = 0;
    return 0;
}

static void on_readable(int epoll_fd, struct connection* c)
{
    ssize_t got = recv(c->fd, buffer, sizeof buffer, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (got <= 0) {
        drop(c);
        return;
    }
    ssize_t put = send(c->fd, buffer, (size_t)got, MSG_NOSIGNAL);
    if (put < 0 && errno != EAGAIN && errno != EINTR) {
        drop(c);
        return;
    }
    if (put < 0)
        put = 0;
    if (put < got) { /* keep the rest and stop reading until it is out */
        c->pending_length = (size_t)(got - put);
        c->pending = malloc(c->pending_length);
        if (c->pending == NULL) {
            drop(c);
            return;
        }
        memcpy(c->pending, buffer + put, c->pending_length);
        struct epoll_event want = {.events = EPOLLOUT, .data.ptr = c};
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &want);
    }
}

static void on_writable(int epoll_fd, struct connection* c)
{
    int state = flush(c);
    if (state < 0) {
        drop(c);
    } else if (state == 0) {
        struct epoll_event want = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &want);
    }
}

static void accept_all(int epoll_fd, int listener)
{
    int on = 1;
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN: all taken; anything else: try at the next event */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        struct connection* c = calloc(1, sizeof *c);
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        struct epoll_event want = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &want) < 0)
            drop(c);
    }
}

int main(int argc, char** argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 64;
    }
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (listener < 0 || epoll_fd < 0 || bind(listener, (struct sockaddr*)&address, sizeof address) < 0 ||
        listen(listener, 4096) < 0) {
        perror("listen");
        return 71;
    }
    /* The listener is told apart by a NULL pointer. */
    struct epoll_event want = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &want);

    struct epoll_event events[256];
    for (;;) {
        int ready = epoll_wait(epoll_fd, events, 256, -1);
        for (int i = 0; i < ready; ++i) {
            struct connection* c = events[i].data.ptr;
            if (c == NULL)
                accept_all(epoll_fd, listener);
            else if (events[i].events & EPOLLOUT)
                on_writable(epoll_fd, c);
            else
                on_readable(epoll_fd, c);
        }
    }
}
