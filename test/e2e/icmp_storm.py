"""Runs inside the IPv4 host's namespace: a storm of UDP datagrams that
expire at the translator (TTL 2: the translator's kernel takes it to 1,
nat64d's RFC 7915 §4.1 decrement to 0), and meanwhile an oversized DF
datagram every 0.1 s that the translator must answer with Fragmentation
Needed (RFC 7915 §4.1). Counts the ICMP errors that come back, by the
flow they quote. Prints one JSON line. Bounded in time by its arguments.

Usage: icmp_storm.py DEST RATE SECONDS DF_COUNT
"""
import json
import select
import socket
import struct
import sys
import time

STORM_PORT = 33434
DF_PORT = 33999
IP_MTU_DISCOVER = 10
IP_PMTUDISC_PROBE = 3  # DF set, the kernel's own PMTU cache ignored

dest, rate, seconds, df_count = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])

icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
icmp.setblocking(False)
storm = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
storm.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 2)
df = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
df.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE)

counts = {"storm_sent": 0, "df_sent": 0, "time_exceeded": 0, "frag_needed": 0, "frag_needed_mtu": 0}


def drain():
    while True:
        try:
            pkt = icmp.recv(2048)
        except BlockingIOError:
            return
        ihl = (pkt[0] & 0x0F) * 4
        typ, code = pkt[ihl], pkt[ihl + 1]
        inner = pkt[ihl + 8:]
        if len(inner) < 24:
            continue
        iihl = (inner[0] & 0x0F) * 4
        dport = struct.unpack("!H", inner[iihl + 2:iihl + 4])[0]
        if typ == 11 and dport == STORM_PORT:
            counts["time_exceeded"] += 1
        elif typ == 3 and code == 4 and dport == DF_PORT:
            counts["frag_needed"] += 1
            counts["frag_needed_mtu"] = struct.unpack("!H", pkt[ihl + 6:ihl + 8])[0]


start = time.monotonic()
end = start + seconds
df_every = seconds / (df_count + 1)
next_df = start + df_every
payload = b"s" * 32
big = b"d" * 1462  # 1490-byte IPv4 datagram, 1510 bytes as IPv6: over a 1500 MTU
while True:
    now = time.monotonic()
    if now >= end:
        break
    due = int((now - start) * rate) + 1
    while counts["storm_sent"] < due:
        storm.sendto(payload, (dest, STORM_PORT))
        counts["storm_sent"] += 1
    if counts["df_sent"] < df_count and now >= next_df:
        df.sendto(big, (dest, DF_PORT))
        counts["df_sent"] += 1
        next_df += df_every
    drain()
    time.sleep(0.0005)
# Late answers.
deadline = time.monotonic() + 1.0
while time.monotonic() < deadline:
    select.select([icmp], [], [], 0.1)
    drain()
counts["seconds"] = round(time.monotonic() - start - 1.0, 3)
print(json.dumps(counts))
