#!/usr/bin/env python3
"""A small HTTP/1.1 server on 127.0.0.1 for jobrun's tests and benchmarks (standard library only).

Prints its port on the first line of stdout, then serves until killed. Keep-alive is supported.
  GET /io?i=N              waits 100 ms, answers 200 "ok" (benchmark W3b)
  GET /delay?ms=N          waits N ms, answers 200 "ok"
  GET /flaky?key=K&fails=N answers 503 the first N times for key K, then 200 "recovered"
  GET /big?bytes=N         answers 200 with N bytes
  GET /stats               {"in_flight": n, "max_in_flight": m, "total": t} (this request not counted)
  GET /reset               zeroes the counters
"""
import asyncio
import json
import sys
from urllib.parse import parse_qs, urlsplit

state = {"in_flight": 0, "max_in_flight": 0, "total": 0}
failures = {}


class Disconnected(Exception):
    """The client closed its connection while its request waited."""


async def wait(seconds, reader):
    """Sleeps, but gives up as soon as the client disconnects (so in-flight counts stay true)."""
    timer = asyncio.ensure_future(asyncio.sleep(seconds))
    hangup = asyncio.ensure_future(reader.read(1))
    done, _ = await asyncio.wait([timer, hangup], return_when=asyncio.FIRST_COMPLETED)
    if hangup in done:
        timer.cancel()
        raise Disconnected()
    hangup.cancel()
    try:
        await hangup  # let the read finish cancelling before the next request line is read
    except asyncio.CancelledError:
        pass


async def respond(path, query, reader):
    if path == "/io":
        await wait(0.1, reader)
        return 200, b"ok"
    if path == "/delay":
        await wait(int(query.get("ms", ["0"])[0]) / 1000, reader)
        return 200, b"ok"
    if path == "/flaky":
        key = query.get("key", [""])[0]
        failures[key] = failures.get(key, 0) + 1
        if failures[key] <= int(query.get("fails", ["1"])[0]):
            return 503, b"unavailable"
        return 200, b"recovered"
    if path == "/big":
        return 200, b"x" * int(query.get("bytes", ["0"])[0])
    return 404, b"not found"


async def handle(reader, writer):
    try:
        while True:
            request_line = await reader.readline()
            if not request_line:
                break
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            target = request_line.decode("latin-1").split(" ")[1]
            parts = urlsplit(target)
            query = parse_qs(parts.query)
            if parts.path in ("/stats", "/reset"):
                if parts.path == "/reset":
                    state.update(in_flight=0, max_in_flight=0, total=0)
                    failures.clear()
                status, body = 200, json.dumps(state).encode()
            else:
                state["in_flight"] += 1
                state["total"] += 1
                state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
                try:
                    status, body = await respond(parts.path, query, reader)
                finally:
                    state["in_flight"] -= 1
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n"
                         f"Content-Type: text/plain\r\n\r\n".encode() + body)
            await writer.drain()
    except (ConnectionError, IndexError, asyncio.IncompleteReadError, Disconnected):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
