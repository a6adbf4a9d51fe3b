#!/usr/bin/env python3
"""A tiny UDP echo server for echo-client --udp's tests, foreign to echod.

Binds an ephemeral port on loopback, prints it on standard output, then
echoes every datagram to its sender. It can misbehave on purpose: drop
every Nth datagram, change a byte of every Nth, or swap each pair (hold one
back and send it after the next: reordering)."""
import argparse
import socket
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--address", default="127.0.0.1")
parser.add_argument("--drop-every", type=int, default=0)
parser.add_argument("--corrupt-every", type=int, default=0)
parser.add_argument("--swap-pairs", action="store_true")
args = parser.parse_args()

family = socket.AF_INET6 if ":" in args.address else socket.AF_INET
sock = socket.socket(family, socket.SOCK_DGRAM)
sock.bind((args.address, 0))
print(sock.getsockname()[1], flush=True)

count = 0
held = None
while True:
    data, peer = sock.recvfrom(65536)
    count += 1
    if args.drop_every and count % args.drop_every == 0:
        continue
    if args.corrupt_every and count % args.corrupt_every == 0 and data:
        data = bytes([data[0] ^ 0x20]) + data[1:]
    if args.swap_pairs:
        if held is None:
            held = (data, peer)
            continue
        sock.sendto(data, peer)
        data, peer = held
        held = None
    sock.sendto(data, peer)
