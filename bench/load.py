"""A light HTTP/1.1 load generator for the benchmarks: keep-alive connections on raw asyncio streams.

It shares the server's two cores, so it must cost little: httpx's client spent about a millisecond of
CPU a request, which at 150 requests/s is a tenth of the machine taken from the server it measures.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str,
                   body: bytes) -> int:
    writer.write(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                 % (path.encode(), host.encode(), len(body), body))
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def post_load(url: str, path: str, bodies: list[dict], concurrency: int, requests: int) -> tuple[list[float], int, float]:
    """POST ``requests`` JSON bodies (cycling) over ``concurrency`` connections: latencies ms, errors, seconds."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    encoded = [json.dumps(b).encode() for b in bodies]
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for i in counter:
                began = time.perf_counter()
                try:
                    status = await asyncio.wait_for(_request(reader, writer, host, path, encoded[i % len(encoded)]), 60)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append((time.perf_counter() - began) * 1000)
                errors += status != 200
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - began
