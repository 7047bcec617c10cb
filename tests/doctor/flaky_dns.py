#!/usr/bin/env python3
"""flaky_dns.py - a UDP DNS responder that fails on purpose, for bounce doctor's tests.

Usage: flaky_dns.py PORTFILE
Binds one UDP socket on 127.0.0.1 per failure mode (ports chosen by the kernel),
writes "MODE PORT" lines to PORTFILE, and serves until killed (SIGTERM) or
for at most 2 hours (so a forgotten one stops by itself):

  servfail  answers every query with SERVFAIL
  refused   answers every query with REFUSED
  nxdomain  answers every query with NXDOMAIN
  drop      reads queries and never answers (timeouts)
  tc        answers with the TC (truncated) bit and no records; nothing listens
            on TCP at that port, so the TCP retry is refused
  garbage   answers with a header that claims an answer section it lacks
"""
import os
import select
import socket
import struct
import sys
import time

MODES = ["servfail", "refused", "nxdomain", "drop", "tc", "garbage"]
LIFETIME = 2 * 3600


def question_end(q):
    """Offset just past the question section's first entry, or len(q)."""
    i = 12
    while i < len(q) and q[i] != 0:
        if q[i] & 0xC0:
            return min(i + 2 + 4, len(q))
        i += 1 + q[i]
    return min(i + 1 + 4, len(q))


def answer(mode, q):
    """The response bytes for a query in a mode, or None to stay silent."""
    if mode == "drop" or len(q) < 12:
        return None
    qid = q[:2]
    flags_in = q[2]
    rd = flags_in & 0x01
    qend = question_end(q)
    question = q[12:qend]
    rcode = {"servfail": 2, "refused": 5, "nxdomain": 3}.get(mode, 0)
    flags = 0x8000 | (rd << 8) | 0x0080 | rcode  # QR, RD copied, RA
    ancount = 0
    if mode == "tc":
        flags |= 0x0200
    if mode == "garbage":
        ancount = 3  # claims three answers and carries none
    header = qid + struct.pack(">HHHHH", flags, 1, ancount, 0, 0)
    return header + question


def main():
    socks = {}
    for mode in MODES:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks[s] = mode
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        for s, mode in socks.items():
            f.write("%s %d\n" % (mode, s.getsockname()[1]))
    os.rename(tmp, sys.argv[1])
    end = time.monotonic() + LIFETIME
    while time.monotonic() < end:
        ready, _, _ = select.select(list(socks), [], [], 5)
        for s in ready:
            try:
                q, peer = s.recvfrom(4096)
            except OSError:
                continue
            r = answer(socks[s], q)
            if r is not None:
                s.sendto(r, peer)


if __name__ == "__main__":
    main()
