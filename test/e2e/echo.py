#!/usr/bin/python3
"""Bounded TCP/UDP echo for the end-to-end tests.

server: echo.py server tcp|udp BIND_ADDR PORT   -- echoes one exchange, exits; gives up after 10 s
client: echo.py client tcp|udp ADDR PORT TEXT   -- sends TEXT, prints the reply and the peer address
"""
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def server(proto, addr, port):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(family(addr), kind) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(10)
        s.bind((addr, port))
        if proto == "tcp":
            s.listen(1)
            conn, peer = s.accept()
            with conn:
                conn.settimeout(10)
                data = conn.recv(65536)
                conn.sendall(data + b" from " + peer[0].encode())
        else:
            data, peer = s.recvfrom(65536)
            s.sendto(data + b" from " + peer[0].encode(), peer)


def client(proto, addr, port, text):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(family(addr), kind) as s:
        s.settimeout(5)
        if proto == "tcp":
            s.connect((addr, port))
            s.sendall(text.encode())
            print(s.recv(65536).decode())
        else:
            s.sendto(text.encode(), (addr, port))
            print(s.recvfrom(65536)[0].decode())


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        client(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
