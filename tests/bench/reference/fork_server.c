/*
 * REFERENCE, NOT A PRODUCT. The smallest sensible fork-per-connection echo
 * server, built statically so its parent is as small as a forking parent can
 * be: the cost floor echod's default mode is compared against. Built a second
 * time as echo-bench-fork-server-dynamic, linked as Debian links a program,
 * to show what the shared C library alone costs. No options, no limits, no
 * logging, no graceful shutdown.
 *
 * Usage: echo-bench-fork-server PORT   (listens on 127.0.0.1:PORT)
 */
#define _GNU_SOURCE /* sigaction flags under -std=c11 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* One SIGCHLD may stand for many exited children: reap until none is left. */
static void reap_children(int signo)
{
    (void)signo;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved;
}

static void echo_until_eof(int fd)
{
    static char buffer[64 * 1024];
    for (;;) {
        ssize_t got = read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return;
        for (ssize_t done = 0; done < got;) {
            ssize_t put = write(fd, buffer + done, (size_t)(got - done));
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0)
                return;
            done += put;
        }
    }
}

int main(int argc, char** argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 64;
    }
    struct sigaction on_child = {.sa_handler = reap_children, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
    sigaction(SIGCHLD, &on_child, NULL);
    signal(SIGPIPE, SIG_IGN);

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener < 0 || bind(listener, (struct sockaddr*)&address, sizeof address) < 0 ||
        listen(listener, 4096) < 0) {
        perror("listen");
        return 71;
    }
    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0)
            continue; /* EINTR, ECONNABORTED, EMFILE: try again */
        pid_t child = fork();
        if (child == 0) {
            close(listener);
            setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            echo_until_eof(client);
            _exit(0);
        }
        close(client);
    }
}
