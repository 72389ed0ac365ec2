#!/usr/bin/env python3
"""Plays systemd's side of sd_notify(3) for the tests: binds a unix datagram
socket at PATH and appends each message it gets to OUT, one line each
("<monotonic seconds> <message, newlines as |>"), until killed."""
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
with open(out, "a", buffering=1) as f:
    while True:
        msg = sock.recv(4096).decode(errors="replace")
        f.write("%.3f %s\n" % (time.monotonic(), msg.replace("\n", "|")))
