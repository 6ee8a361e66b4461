#!/usr/bin/env python3
"""Opens many ZeroMQ DEALER connections to a coordinator and sends one message on each, then holds them open.

Usage: zmtp-flood.py ENDPOINT COUNT < FRAMES
  ENDPOINT  tcp://HOST:PORT
  COUNT     connections to open
  FRAMES    one line of hex-encoded messages separated by commas (connection i sends message i modulo their number)

Speaks ZMTP 3.0 with the NULL mechanism over plain sockets (no ZeroMQ library needed). Prints "sent N" once every
message is written, then keeps the connections until its standard input is closed or 120 s pass. The tests use it
to flood registrations from a process of its own, so that their own process keeps few descriptors.
"""

import select
import socket
import struct
import sys
import time


def greeting():
    signature = b"\xff" + b"\x00" * 8 + b"\x7f"
    return signature + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31


def command(name, body):
    payload = bytes([len(name)]) + name + body
    head = b"\x04" + bytes([len(payload)]) if len(payload) < 256 else b"\x06" + struct.pack(">Q", len(payload))
    return head + payload


def ready():
    key, value = b"Socket-Type", b"DEALER"
    return command(b"READY", bytes([len(key)]) + key + struct.pack(">I", len(value)) + value)


def message(body):
    head = b"\x00" + bytes([len(body)]) if len(body) < 256 else b"\x02" + struct.pack(">Q", len(body))
    return head + body


def main():
    endpoint, count = sys.argv[1], int(sys.argv[2])
    host, port = endpoint[len("tcp://"):].rsplit(":", 1)
    frames = [bytes.fromhex(line.strip()) for line in sys.stdin.readline().split(",") if line.strip()]
    connections = []
    for index in range(count):
        connection = socket.create_connection((host, int(port)), timeout=10)
        # The peer answers a greeting with its own before it reads anything further.
        connection.sendall(greeting())
        received = b""
        while len(received) < 64:
            chunk = connection.recv(64 - len(received))
            if not chunk:
                sys.exit("zmtp-flood: connection %d closed during the greeting" % index)
            received += chunk
        connection.sendall(ready() + message(frames[index % len(frames)]))
        connections.append(connection)
    print("sent %d" % len(connections), flush=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sys.stdin], [], [], max(deadline - time.monotonic(), 0))
        if readable and not sys.stdin.read(1):
            break
    for connection in connections:
        connection.close()


if __name__ == "__main__":
    main()
