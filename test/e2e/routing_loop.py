"""Runs inside a host's namespace: sends UDP datagrams round-robin to the
given destinations at RATE a second for SECONDS (paced by the clock, a
plain socket), and counts the ICMP errors that come back quoting them, by
type/code. Prints one JSON line. Bounded in time by its arguments.

Usage: routing_loop.py RATE SECONDS DEST[,DEST...]
"""
import json
import select
import socket
import struct
import sys
import time

PORT = 33777
PAYLOAD = b"loop" * 16  # 64 bytes

rate, seconds, dests = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3].split(",")
v6 = ":" in dests[0]
family = socket.AF_INET6 if v6 else socket.AF_INET
udp = socket.socket(family, socket.SOCK_DGRAM)
icmp = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
icmp.setblocking(False)
counts = {"sent": 0, "ip_bytes": 0, "errors": {}}
ip_len = (40 if v6 else 20) + 8 + len(PAYLOAD)


def drain():
    while True:
        try:
            pkt = icmp.recv(2048)
        except BlockingIOError:
            return
        if not v6:  # a raw IPv4 socket hands over the IPv4 header too
            pkt = pkt[(pkt[0] & 0x0F) * 4:]
        typ, code = pkt[0], pkt[1]
        if (v6 and typ >= 128) or (not v6 and typ not in (3, 4, 5, 11, 12)):
            continue  # not an error
        inner = pkt[8:]
        ihl = 40 if v6 else (inner[0] & 0x0F) * 4 if inner else 0
        if len(inner) < ihl + 4 or struct.unpack("!H", inner[ihl + 2:ihl + 4])[0] != PORT:
            continue
        key = f"{typ}/{code}"
        counts["errors"][key] = counts["errors"].get(key, 0) + 1


start = time.monotonic()
end = start + seconds
while True:
    now = time.monotonic()
    if now >= end:
        break
    due = min(int((now - start) * rate) + 1, int(rate * seconds))
    while counts["sent"] < due:
        udp.sendto(PAYLOAD, (dests[counts["sent"] % len(dests)], PORT))
        counts["sent"] += 1
    drain()
    time.sleep(0.0005)
deadline = time.monotonic() + 1.0  # late answers
while time.monotonic() < deadline:
    select.select([icmp], [], [], 0.1)
    drain()
counts["ip_bytes"] = counts["sent"] * ip_len
counts["seconds"] = round(time.monotonic() - start - 1.0, 3)
print(json.dumps(counts))
