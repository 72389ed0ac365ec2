#!/usr/bin/env python3
"""Captures every vanet frame on the air (an AF_PACKET socket for all
interfaces, run in the air namespace: it sees each frame as a bridge port
receives it) until it sees the control frame (the test sends it last) or
for SECONDS at most, then reports what it saw as key=value lines:
frames, sealed (secured subtype 01 or 02), plain_data (data frames not sealed:
plain type 01, or secured subtype 00 with class data) marker (frames
holding MARKER, a hex string, anywhere) and control (frames of type 07
holding it: the test's proof that the capture would see it). Usage: air_capture.py SECONDS
MARKER-HEX OUT."""
import socket
import sys
import time

ETH_P_ALL = 0x0003


def main():
    secs, marker, out = float(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.settimeout(0.2)
    n = sealed = plain = hits = control = 0
    with open(out + ".ready", "w"):
        pass
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            f, addr = s.recvfrom(65536)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue  # the same frame as received on its port, going out
        if len(f) < 16 or f[12:14] != b"\x30\x30":
            continue
        n += 1
        if marker in f and f[14] == 0x07:
            control += 1  # the test's own control frame (type 07)
        elif marker in f:
            hits += 1
            print("marker in:", f[:32].hex(), file=sys.stderr)
        if f[14] == 0x02 and f[15] in (0x01, 0x02):
            sealed += 1
        elif f[14] == 0x01 or (f[14] == 0x02 and len(f) > 17 and f[17] & 3 == 1):
            plain += 1
        if control:
            break  # the test is done sending
    with open(out, "w") as o:
        o.write(f"frames={n}\nsealed={sealed}\nplain_data={plain}\nmarker={hits}\ncontrol={control}\n")


if __name__ == "__main__":
    main()
