"""How often one request can reach the upstream, and how many connections a client opens.

The rule (issue 11): at most one resend, only when a *reused* keep-alive connection closed before
any byte of the answer, and on a fresh connection; never after a fresh connection fails. Gemini
bills every request it receives, so each test counts the copies the server saw.
"""

from __future__ import annotations

import asyncio

import pytest

from adapters.client import PoolTimeout, ProtocolError, ReadTimeout
from tests.adapters.client_servers import OK, client, next_request, run, serve


class Upstream:
    """Answers the first `warm` requests (all at once, so that each has a connection of its own),
    then reads every later request, waits `hold` seconds and hangs up without a byte."""

    def __init__(self, warm: int, hold: float = 0.0) -> None:
        self.warm, self.hold = warm, hold
        self.received: list[tuple[int, bytes]] = []  # (connection number, request body) of every request
        self.connections = 0
        self._all_warm = asyncio.Event()

    async def __call__(self, reader, writer) -> None:
        self.connections += 1
        number = self.connections
        while (request := await next_request(reader)) is not None:
            self.received.append((number, request[1]))
            if len(self.received) <= self.warm:
                if len(self.received) == self.warm:
                    self._all_warm.set()
                await self._all_warm.wait()
                writer.write(OK)
                continue
            await asyncio.sleep(self.hold)
            writer.close()
            return

    def copies(self, body: bytes) -> int:
        return sum(1 for _, received in self.received if received == body)


async def warm_up(http, count: int) -> None:
    """`count` kept-alive connections parked in the client's pool."""
    answers = await asyncio.gather(*(http.request("POST", "/", {}, b"warm") for _ in range(count)))
    assert [await answer.read() for answer in answers] == [b"{}"] * count


@pytest.mark.parametrize("idle, hold", [(60, 0.0), (10, 0.2)], ids=["60 idle, closed at once", "10 idle, held then closed"])
def test_a_request_the_upstream_drops_on_every_connection_is_sent_twice_at_most(idle, hold):
    # The two scenarios: 60 pooled connections that the server closes without answering
    # (61 copies before the fix), and an upstream that reads, holds (2 s there) and closes (11).
    upstream = Upstream(warm=idle, hold=hold)

    async def main():
        _, port = await serve(upstream)
        http = client(port)
        await warm_up(http, idle)
        with pytest.raises(ProtocolError, match="closed the connection"):
            await http.request("POST", "/v1beta/models/m:generateContent", {}, b"paid")

    run(main())
    assert upstream.copies(b"paid") == 2
    _, second = [number for number, body in upstream.received if body == b"paid"]
    assert second == idle + 1  # the resend went on a fresh connection, not on another parked one


def test_the_one_resend_succeeds_when_a_fresh_connection_answers():
    received: list[tuple[int, bytes]] = []
    connections = 0

    async def handler(reader, writer):
        nonlocal connections
        connections += 1
        number = connections
        while (request := await next_request(reader)) is not None:
            received.append((number, request[1]))
            if number == 1 and len(received) > 1:
                writer.close()  # the kept-alive connection dies under the second request
                return
            writer.write(OK)

    async def main():
        _, port = await serve(handler)
        http = client(port)
        assert await (await http.request("POST", "/", {}, b"one")).read() == b"{}"
        assert await (await http.request("POST", "/", {}, b"two")).read() == b"{}"

    run(main())
    assert received == [(1, b"one"), (1, b"two"), (2, b"two")]


def test_a_fresh_connection_closed_before_the_answer_is_never_resent():
    upstream = Upstream(warm=0)

    async def main():
        _, port = await serve(upstream)
        with pytest.raises(ProtocolError, match="closed the connection"):
            await client(port).request("POST", "/", {}, b"paid")

    run(main())
    assert upstream.copies(b"paid") == 1


def test_a_reused_connection_that_began_answering_is_never_resent():
    received: list[bytes] = []

    async def handler(reader, writer):
        while (request := await next_request(reader)) is not None:
            received.append(request[1])
            if len(received) == 1:
                writer.write(OK)
            else:
                writer.write(b"HTTP/1.1 200 O")  # some of the status line, then nothing more
                await writer.drain()
                writer.close()
                return

    async def main():
        _, port = await serve(handler)
        http = client(port)
        assert await (await http.request("POST", "/", {}, b"one")).read() == b"{}"
        with pytest.raises(ProtocolError):
            await http.request("POST", "/", {}, b"paid")

    run(main())
    assert received == [b"one", b"paid"]


def test_a_reused_connection_that_times_out_is_never_resent():
    received: list[bytes] = []

    async def handler(reader, writer):
        while (request := await next_request(reader)) is not None:
            received.append(request[1])
            if len(received) == 1:
                writer.write(OK)

    async def main():
        _, port = await serve(handler)
        http = client(port, read_timeout=0.2)
        assert await (await http.request("POST", "/", {}, b"one")).read() == b"{}"
        with pytest.raises(ReadTimeout):
            await http.request("POST", "/", {}, b"paid")

    run(main())
    assert received == [b"one", b"paid"]


class Gate:
    """A server that holds every answer until released, counting the connections open at once."""

    def __init__(self) -> None:
        self.open = self.most = self.answered = 0
        self.release = asyncio.Event()

    async def __call__(self, reader, writer) -> None:
        self.open += 1
        self.most = max(self.most, self.open)
        try:
            while await next_request(reader) is not None:
                await self.release.wait()
                writer.write(OK)
                self.answered += 1
        finally:
            self.open -= 1


def test_connections_are_bounded_and_requests_beyond_the_bound_queue():
    gate = Gate()

    async def main():
        _, port = await serve(gate)
        http = client(port, max_connections=3)
        calls = [asyncio.ensure_future(http.request("POST", "/", {}, b"{}")) for _ in range(10)]
        for _ in range(200):
            if gate.open == 3:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # time for more to open, if the bound did not hold
        assert gate.open == 3 and not any(call.done() for call in calls)
        gate.release.set()
        assert [await (await call).read() for call in calls] == [b"{}"] * 10

    run(main())
    assert gate.most == 3 and gate.answered == 10


def test_a_queued_request_gives_up_after_the_pool_timeout_and_leaks_no_slot():
    gate = Gate()

    async def main():
        _, port = await serve(gate)
        http = client(port, max_connections=1, pool_timeout=0.1)
        first = asyncio.ensure_future(http.request("POST", "/", {}, b"{}"))
        await asyncio.sleep(0.05)
        with pytest.raises(PoolTimeout, match="1 connection"):
            await http.request("POST", "/", {}, b"{}")
        cancelled = asyncio.ensure_future(http.request("POST", "/", {}, b"{}"))
        await asyncio.sleep(0.02)
        cancelled.cancel()
        gate.release.set()
        assert await (await first).read() == b"{}"
        # The slot came back: a request after all this still gets the one connection.
        assert await (await http.request("POST", "/", {}, b"{}")).read() == b"{}"

    run(main())
    assert gate.most == 1 and gate.answered == 2
