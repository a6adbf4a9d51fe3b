/*
 * REFERENCE, NOT A PRODUCT. A single-process UDP echo server that moves
 * datagrams in batches with recvmmsg/sendmmsg: the ceiling for datagrams echoed
 * per second that echod's UDP child is compared against (issue 15). No guards,
 * no rate limits, no IP_PKTINFO (it binds one address, so replies leave from
 * it anyway), no options, no logging, no graceful shutdown.
 *
 * Usage: echo-bench-udp-server PORT   (listens on 127.0.0.1:PORT)
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* One batch: what a single recvmmsg may hand over. */
#define BATCH 64
/* The largest UDP payload over IPv4. */
#define MAX_DATAGRAM 65507

static char buffers[BATCH][MAX_DATAGRAM];
static struct iovec vectors[BATCH];
static struct sockaddr_in peers[BATCH];
static struct mmsghdr messages[BATCH];

/* Arms every slot to receive a whole datagram and its sender's address. */
static void prepare_receive(void)
{
    for (int i = 0; i < BATCH; ++i) {
        vectors[i].iov_base = buffers[i];
        vectors[i].iov_len = MAX_DATAGRAM;
        messages[i].msg_hdr = (struct msghdr){
            .msg_name = &peers[i],
            .msg_namelen = sizeof peers[i],
            .msg_iov = &vectors[i],
            .msg_iovlen = 1,
        };
    }
}

/* Sends the `count` datagrams received back where they came from. A datagram
 * the kernel refuses (the sender's socket is gone: ECONNREFUSED, or no buffer
 * space) is skipped, as a lost datagram would be; the rest still go out. */
static void echo_back(int fd, unsigned count)
{
    for (unsigned i = 0; i < count; ++i)
        vectors[i].iov_len = messages[i].msg_len; /* the payload as it came */
    unsigned sent = 0;
    while (sent < count) {
        int put = sendmmsg(fd, messages + sent, count - sent, 0);
        if (put > 0)
            sent += (unsigned)put;
        else if (put < 0 && errno != EINTR)
            ++sent; /* the first one failed: drop it, send the others */
    }
}

int main(int argc, char** argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 64;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr*)&address, sizeof address) < 0) {
        perror("bind");
        return 71;
    }
    for (;;) {
        prepare_receive();
        /* Blocks for the first datagram, then takes whatever else is queued. */
        int got = recvmmsg(fd, messages, BATCH, MSG_WAITFORONE, NULL);
        if (got > 0)
            echo_back(fd, (unsigned)got);
        else if (got < 0 && errno != EINTR)
            perror("recvmmsg"); /* e.g. ECONNREFUSED left by an earlier send: go on */
    }
}
