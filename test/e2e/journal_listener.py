#!/usr/bin/python3
"""Stand-in for systemd-journald's native socket, for the end-to-end tests.

journal_listener.py OUT SECONDS

Binds /run/systemd/journal/socket (the caller gives it a private mount
namespace with an empty /run/systemd, so the host's journal is untouched)
and appends every datagram it receives to OUT, each followed by a "--"
line, until SECONDS have passed.
"""
import socket
import sys
import time

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
s.settimeout(0.2)
deadline = time.time() + float(sys.argv[2])
with open(sys.argv[1], "wb") as out:
    while time.time() < deadline:
        try:
            out.write(s.recv(65536) + b"--\n")
            out.flush()
        except socket.timeout:
            pass
