"""Scripted misbehaving servers, and one driver for adapters/client.py and one for httpx.

A script is what the server does for each request it receives, counted over all connections:
bytes to write, seconds to wait, or how to end the connection (CLOSE: an orderly FIN, RESET: a RST,
HOLD: wait until the client gives up). After a script's last step the server reads the next request
on the same connection. Both drivers send the same requests to a fresh copy of the same server and
describe what happened in the same words, so test_client_differential.py can compare them:

    ("200 for A; 200 for B", "A@1 B@2")   # each answer (or failure); each request body @ connection
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import httpx

import adapters.client as ours
from tests.adapters.client_servers import keep, next_request, reset, serve

CLOSE, RESET, HOLD = "close", "reset", "hold"


class Ask(NamedTuple):
    """One request of a scenario: its body names it in the outcome."""

    body: bytes = b"A"
    method: str = "POST"
    target: str = "/v1beta/models/m:generateContent"
    headers: Mapping[str, str] = {}
    pause: float = 0.0  # before sending it


def answer(body: bytes, *extra: bytes, status: bytes = b"200 OK") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\n" + b"".join(extra) + b"content-length: %d\r\n\r\n%s" % (len(body), body)


class Server:
    """Plays `scripts[n]` for the n-th request; records (connection number, body) of each."""

    def __init__(self, scripts: Sequence[Sequence[Any]]) -> None:
        self.scripts = scripts
        self.seen: list[tuple[int, bytes]] = []
        self.connections = 0

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        while (request := await next_request(reader)) is not None:
            self.seen.append((number, request[1]))
            script = self.scripts[min(len(self.seen), len(self.scripts)) - 1]
            for step in script:
                if isinstance(step, bytes):
                    writer.write(step)
                    await writer.drain()
                elif isinstance(step, (int, float)):
                    await asyncio.sleep(step)
                elif step == CLOSE:
                    writer.close()
                    return
                elif step == RESET:
                    reset(writer)
                    return
                elif step == HOLD:
                    while await reader.read(65536):
                        pass
                    return

    def record(self) -> str:
        return " ".join(f"{body.decode('latin-1') or '-'}@{number}" for number, body in self.seen)


def describe_answer(status: int, body: bytes) -> str:
    text = body.decode("latin-1")
    return f"{status} {text}" if len(body) <= 40 and text.isprintable() else f"{status} <{len(body)} bytes>"


OURS_KINDS = ((ours.LocalProtocolError, "refused"), (ours.PoolTimeout, "pool timeout"), (ours.ConnectTimeout, "connect timeout"),
              (ours.ReadTimeout, "read timeout"), (ours.ConnectError, "connect"), (ours.ProtocolError, "protocol"))
HTTPX_KINDS = ((httpx.LocalProtocolError, "refused"), (httpx.InvalidURL, "refused"), (UnicodeEncodeError, "refused"),
               (httpx.PoolTimeout, "pool timeout"), (httpx.ConnectTimeout, "connect timeout"),
               (httpx.ReadTimeout, "read timeout"), (httpx.ConnectError, "connect"), (httpx.RemoteProtocolError, "protocol"),
               (httpx.ReadError, "protocol"), (httpx.WriteError, "protocol"))


def kind(error: BaseException, table) -> str:
    for cls, name in table:
        if isinstance(error, cls):
            return name
    raise error


async def drive_ours(url: str, asks: Sequence[Ask], trust: ssl.SSLContext | None, read_timeout: float) -> list[str]:
    http = keep(ours.HTTPClient(url, connect_timeout=1, read_timeout=read_timeout, env={}, ssl_context=trust))
    outcomes = []
    for ask in asks:
        await asyncio.sleep(ask.pause)
        try:
            response = await http.request(ask.method, ask.target, ask.headers, ask.body if ask.method != "HEAD" else None)
        except Exception as error:
            outcomes.append(f"no status: {kind(error, OURS_KINDS)}")
            continue
        try:
            outcomes.append(describe_answer(response.status, await response.read()))
        except Exception as error:
            outcomes.append(f"{response.status}, then {kind(error, OURS_KINDS)}")
    return outcomes


async def drive_httpx(url: str, asks: Sequence[Ask], trust: ssl.SSLContext | None, read_timeout: float) -> list[str]:
    timeout = httpx.Timeout(read_timeout, connect=1)
    http = keep(httpx.AsyncClient(base_url=url, timeout=timeout, trust_env=False, verify=trust or _default_trust()))
    outcomes = []
    for ask in asks:
        await asyncio.sleep(ask.pause)
        try:
            request = http.build_request(ask.method, ask.target, headers=ask.headers,
                                         content=ask.body if ask.method != "HEAD" else None)
            response = await http.send(request, stream=True)
        except Exception as error:
            outcomes.append(f"no status: {kind(error, HTTPX_KINDS)}")
            continue
        try:
            outcomes.append(describe_answer(response.status_code, await response.aread()))
        except Exception as error:
            outcomes.append(f"{response.status_code}, then {kind(error, HTTPX_KINDS)}")
        finally:
            await response.aclose()
    return outcomes


@functools.cache
def _default_trust() -> ssl.SSLContext:
    """httpx's own default context, made once: loading certifi's bundle costs ~25 ms per client."""
    return httpx.create_ssl_context()


async def play(driver, scripts: Sequence[Sequence[Any]], asks: Sequence[Ask], tls: tuple | None, read_timeout: float) -> tuple[str, str]:
    """(what the client saw, what the server received) for one client against a fresh server."""
    server = Server(scripts)
    _, port = await serve(server, tls[0] if tls else None)
    host = tls[2] if tls else "127.0.0.1"
    outcomes = await driver(f"{'https' if tls else 'http'}://{host}:{port}", asks, tls[1] if tls else None, read_timeout)
    return "; ".join(outcomes), server.record()
