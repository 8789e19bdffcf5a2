"""UDP super-packets for test/e2e/uso.sh (Debian's /usr/bin/python3).

  uso.py recv BIND PORT COUNT SIZE   prints how many datagrams of SIZE bytes,
                                     each all 0x71, arrived (stops after COUNT
                                     or 3 s of silence)
  uso.py send SRC ADDR PORT SEGMENT TOTAL  one sendto from SRC of TOTAL bytes with
                                     UDP_SEGMENT SEGMENT: the kernel keeps it
                                     one super-packet as far as the TUN
"""
import socket
import sys

UDP_SEGMENT = 103  # <linux/udp.h>


def main():
    mode = sys.argv[1]
    if mode == "recv":
        bind, port, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind((bind, port))
        s.settimeout(3)
        print("ready", flush=True)
        good = 0
        try:
            while good < count:
                data = s.recv(65535)
                if len(data) == size and data == b"\x71" * size:
                    good += 1
        except socket.timeout:
            pass
        print(good)
        return 0
    if mode == "send":
        src, addr = sys.argv[2], sys.argv[3]
        port, segment, total = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, segment)
        s.sendto(b"\x71" * total, (addr, port))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
