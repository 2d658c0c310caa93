"""Scripted servers on loopback for the upstream client's suites (tests/adapters/test_client*.py).

Each server is a plain asyncio server whose handler reads the raw request and writes exactly the
bytes a test needs — including the ones a well-behaved server never sends. `run` closes whatever a
test opened (clients, servers, server-side connections) when it ends, and bounds it to 10 s.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.client import HTTPClient

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"

_open: list = []  # the clients and server connections of the running test, closed when it ends


def run(coroutine: Awaitable) -> Any:
    """Run one test's coroutine in a fresh loop, closing everything it opened."""

    async def closing():
        try:
            return await asyncio.wait_for(coroutine, 10)
        finally:
            for thing in reversed(_open):
                if hasattr(thing, "aclose"):
                    await thing.aclose()
                else:
                    thing.close()
            _open.clear()

    return asyncio.run(closing())


def keep(thing: Any) -> Any:
    """Close `thing` (a client, server or writer) when the test ends."""
    _open.append(thing)
    return thing


async def serve(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> tuple[asyncio.Server, int]:
    async def handle(reader, writer):
        _open.append(writer)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client gave up on purpose
        except asyncio.CancelledError:
            pass  # the test is over: end quietly rather than have asyncio log the cancelled task

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ssl_context)
    _open.append(server)
    return server, server.sockets[0].getsockname()[1]


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """(head, body) of one request with a content-length, as the client sends them."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
    return head, await reader.readexactly(length)


async def next_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """The next request on a connection, or None once the client has closed it."""
    try:
        return await read_request(reader)
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


def answer_once(raw: bytes, heads: list[bytes]) -> Handler:
    """A handler that reads one request (its head goes to `heads`), writes `raw` and hangs up."""

    async def handler(reader, writer):
        heads.append((await read_request(reader))[0])
        writer.write(raw)
        await writer.drain()
        writer.close()

    return handler


def reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0), not the FIN of an orderly close."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def client(port: int, scheme: str = "http", **options) -> HTTPClient:
    options = {"connect_timeout": 2, "read_timeout": 2, "env": {}, **options}
    return keep(HTTPClient(f"{scheme}://localhost:{port}", **options))
