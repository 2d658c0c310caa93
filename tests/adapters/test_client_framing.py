"""Where one answer ends and the next begins (RFC 9112 §6), and what the client refuses to read or write.

A connection goes back to the pool only when its exchange ended exactly at a message boundary; an
answer that leaves any doubt closes it, so that no user can be handed another user's answer.
"""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from adapters.client import (
    HeaderTooLarge,
    LocalProtocolError,
    ProtocolError,
    ReadTimeout,
)
from tests.adapters.client_servers import (
    OK,
    client,
    next_request,
    read_request,
    reset,
    run,
    serve,
)


def per_request(*answers: bytes, pause: float = 0.0):
    """A keep-alive server that answers its n-th request (counted over all connections) with
    `answers[n]`, written in the pieces split at b"|" with `pause` seconds between them; it records
    (connection number, request body) of every request."""
    seen: list[tuple[int, bytes]] = []
    connections = [0]

    async def handler(reader, writer):
        connections[0] += 1
        number = connections[0]
        while (request := await next_request(reader)) is not None:
            seen.append((number, request[1]))
            for piece in answers[len(seen) - 1].split(b"|"):
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(pause)

    return handler, seen


def answer(body: bytes, *extra: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + b"".join(extra) + b"content-length: %d\r\n\r\n%s" % (len(body), body)


async def ask(http, body: bytes) -> tuple[int, bytes]:
    response = await http.request("POST", "/v1beta/models/m:generateContent", {}, body)
    return response.status, await response.read()


# --- informational answers (RFC 9110 §15.2) ------------------------------------------------------

def test_a_100_continue_is_skipped_and_each_user_gets_their_own_answer():
    # Before: user A got the 100 as its answer, B got A's 200, C got B's.
    handler, seen = per_request(*(b"HTTP/1.1 100 Continue\r\n\r\n|" + answer(b"for " + user) for user in (b"A", b"B", b"C")),
                                pause=0.02)

    async def main():
        _, port = await serve(handler)
        http = client(port)
        return [await ask(http, user) for user in (b"A", b"B", b"C")]

    assert run(main()) == [(200, b"for A"), (200, b"for B"), (200, b"for C")]
    assert [number for number, _ in seen] == [1, 1, 1]  # and the connection stayed in use


def test_early_hints_and_several_1xx_are_skipped_without_their_headers():
    raw = (b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"
           b"HTTP/1.1 102 Processing\r\n\r\n" + answer(b"{}", b"x-final: yes\r\n"))
    handler, _ = per_request(raw)

    async def main():
        _, port = await serve(handler)
        response = await client(port).request("GET", "/", {})
        assert (response.status, await response.read()) == (200, b"{}")
        assert "link" not in response.headers and response.headers["x-final"] == "yes"

    run(main())


def test_an_unasked_101_switching_protocols_is_a_protocol_error():
    handler, _ = per_request(b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: h2c\r\n\r\n\x00\x00")

    async def main():
        _, port = await serve(handler)
        with pytest.raises(ProtocolError, match="101"):
            await client(port).request("GET", "/", {})

    run(main())


# --- message boundaries -------------------------------------------------------------------------

def test_bytes_after_the_answer_close_the_connection_and_the_next_request_gets_its_own():
    # A second answer no one asked for, in the same packet as the first.
    handler, seen = per_request(answer(b"for A") + answer(b"for nobody"), answer(b"for B"))

    async def main():
        _, port = await serve(handler)
        http = client(port)
        return [await ask(http, b"A"), await ask(http, b"B")]

    assert run(main()) == [(200, b"for A"), (200, b"for B")]
    assert seen == [(1, b"A"), (2, b"B")]


def test_bytes_on_an_idle_connection_close_it():
    handler, seen = per_request(answer(b"for A") + b"|HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n",
                                answer(b"for B"), pause=0.02)

    async def main():
        _, port = await serve(handler)
        http = client(port)
        first = await ask(http, b"A")
        parked = http._idle[0]
        for _ in range(200):  # the 408 arrives while the connection is parked, and closes it
            if parked.closed:
                break
            await asyncio.sleep(0.01)
        return [first, await ask(http, b"B")]

    assert run(main()) == [(200, b"for A"), (200, b"for B")]
    assert seen == [(1, b"A"), (2, b"B")]


def test_an_answer_whose_body_was_not_read_to_its_end_is_not_reused():
    handler, seen = per_request(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234|56789", answer(b"for B"), pause=0.05)

    async def main():
        _, port = await serve(handler)
        http = client(port)
        response = await http.request("GET", "/", {})
        await response.aclose()
        return await ask(http, b"B")

    assert run(main()) == (200, b"for B")
    assert seen[1][0] == 2


def test_a_head_answer_has_no_body_whatever_its_content_length():
    handler, _ = per_request(b"HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n", answer(b"for B"))

    async def main():
        _, port = await serve(handler)
        http = client(port, read_timeout=0.5)
        response = await http.request("HEAD", "/v1beta/models", {})
        assert (response.status, response.headers["content-length"], await response.read()) == (200, "1234", b"")
        return await ask(http, b"B")

    assert run(main()) == (200, b"for B")


# --- framing (RFC 9112 §6.3) --------------------------------------------------------------------

@pytest.mark.parametrize("lengths", [b"content-length: 2\r\ncontent-length: 2\r\n", b"content-length: 2, 2\r\n",
                                     b"content-length: 2\r\nx: y\r\ncontent-length: 2,2\r\n"])
def test_repeated_identical_content_lengths_are_one(lengths):
    # RFC 9110 §8.6: a list of identical values may be replaced by one.
    handler, seen = per_request(b"HTTP/1.1 200 OK\r\n" + lengths + b"\r\n{}", answer(b"next"))

    async def main():
        _, port = await serve(handler)
        http = client(port)
        first = await http.request("GET", "/", {})
        assert first.headers["content-length"] == "2"
        return [(first.status, await first.read()), await ask(http, b"B")]

    assert run(main()) == [(200, b"{}"), (200, b"next")]
    assert [number for number, _ in seen] == [1, 1]


def test_repeated_identical_content_lengths_split_across_reads():
    handler, _ = per_request(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n|x: y\r\n|\r\n{}", pause=0.02)

    async def main():
        _, port = await serve(handler)
        return await ask(client(port), b"A")

    assert run(main()) == (200, b"{}")


def test_conflicting_content_lengths_are_a_protocol_error():
    handler, _ = per_request(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}")

    async def main():
        _, port = await serve(handler)
        with pytest.raises(ProtocolError, match="Content-Length"):
            await client(port).request("GET", "/", {})

    run(main())


def test_content_length_with_chunked_reads_chunks_and_closes_the_connection():
    handler, seen = per_request(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n"
                                b"5\r\nfor A\r\n0\r\n\r\n", answer(b"for B"))

    async def main():
        _, port = await serve(handler)
        http = client(port)
        response = await http.request("GET", "/", {})
        assert "content-length" not in response.headers  # RFC 9112 §6.3: chunked wins, the length goes
        return [(response.status, await response.read()), await ask(http, b"B")]

    assert run(main()) == [(200, b"for A"), (200, b"for B")]
    assert [number for number, _ in seen] == [1, 2]


@pytest.mark.parametrize("coding", [b"gzip, chunked", b"chunked, chunked", b"identity", b"chunked\r\ntransfer-encoding: chunked"])
def test_transfer_codings_other_than_chunked_are_refused(coding):
    # Nothing asked for them (no TE header is sent); h11, under httpx, refuses them the same way.
    handler, _ = per_request(b"HTTP/1.1 200 OK\r\ntransfer-encoding: " + coding + b"\r\n\r\n0\r\n\r\n")

    async def main():
        _, port = await serve(handler)
        with pytest.raises(ProtocolError, match="Transfer-Encoding"):
            await client(port).request("GET", "/", {})

    run(main())


def test_a_close_delimited_body_cut_by_a_reset_is_an_error():
    async def handler(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n{\"partial")
        await writer.drain()
        await asyncio.sleep(0.05)
        reset(writer)

    async def main():
        _, port = await serve(handler)
        response = await client(port).request("GET", "/", {})
        assert response.status == 200
        with pytest.raises(ProtocolError, match="reset"):
            await response.read()

    run(main())


@pytest.mark.parametrize("status", [201, 202, 204, 206, 304])
def test_other_success_and_bodiless_statuses_are_answers(status):
    bodiless = status in (204, 304)
    raw = b"HTTP/1.1 %d X\r\n" % status + (b"\r\n" if bodiless else b"content-length: 2\r\n\r\n{}")
    handler, seen = per_request(raw, answer(b"next"))

    async def main():
        _, port = await serve(handler)
        http = client(port)
        response = await http.request("GET", "/", {})
        return [(response.status, await response.read()), await ask(http, b"B")]

    assert run(main()) == [(status, b"" if bodiless else b"{}"), (200, b"next")]
    assert [number for number, _ in seen] == [1, 1]


# --- bounded reads ------------------------------------------------------------------------------

def flood(head: bytes, unit: bytes):
    """A handler that writes `head`, then `unit` over and over until the client hangs up."""
    sent = [0]

    async def handler(reader, writer):
        await read_request(reader)
        writer.write(head)
        block = unit * (65536 // len(unit) + 1)
        while not writer.is_closing():
            writer.write(block)
            sent[0] += len(block)
            await writer.drain()

    return handler, sent


@pytest.mark.parametrize("head, unit", [
    (b"HTTP/1.1 200 OK\r\nx-endless: ", b"a"),
    (b"HTTP/1.1 200 OK\r\n", b"x-many: 1\r\n"),
    (b"HTTP/1.1 200 OK", b" reason"),
    (b"", b"HTTP/1.1 100 Continue\r\n\r\n"),
], ids=["one endless value", "endless fields", "endless reason phrase", "endless 1xx"])
def test_an_endless_header_section_fails_fast_with_bounded_memory(head, unit):
    handler, _ = flood(head, unit)

    async def main():
        _, port = await serve(handler)
        tracemalloc.start()
        try:
            with pytest.raises(HeaderTooLarge, match="header section"):
                await client(port, read_timeout=5).request("GET", "/", {})
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak = run(main())
    assert peak < 3_000_000  # before: the parser kept everything (154 MB in 5 s in the run)


def test_a_header_section_over_the_bound_fails_even_when_it_arrives_in_one_read():
    handler, _ = per_request(b"HTTP/1.1 200 OK\r\nx: " + b"a" * 70_000 + b"\r\ncontent-length: 0\r\n\r\n")

    async def main():
        _, port = await serve(handler)
        with pytest.raises(HeaderTooLarge, match="64 KiB"):
            await client(port).request("GET", "/", {})

    run(main())


def test_too_many_header_fields_fail_even_when_small():
    handler, _ = per_request(b"HTTP/1.1 200 OK\r\n" + b"x: 1\r\n" * 101 + b"content-length: 0\r\n\r\n")

    async def main():
        _, port = await serve(handler)
        with pytest.raises(HeaderTooLarge, match="fields"):
            await client(port).request("GET", "/", {})

    run(main())


def test_endless_trailers_fail_the_body_not_the_request():
    handler, _ = flood(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nx-trailer: ", b"t")

    async def main():
        _, port = await serve(handler)
        response = await client(port).request("GET", "/", {})
        assert response.status == 200
        with pytest.raises(HeaderTooLarge, match="trailer"):
            await response.read()

    run(main())


def test_the_header_section_must_arrive_within_the_read_timeout_however_it_drips():
    # One byte every 20 ms never leaves the client idle for 0.3 s, but the section takes longer.
    handler, _ = per_request(b"|".join(bytes([byte]) for byte in b"HTTP/1.1 200 OK\r\nx: yyyyyyyyyyyy\r\n\r\n"), pause=0.02)

    async def main():
        _, port = await serve(handler)
        with pytest.raises(ReadTimeout):
            await client(port, read_timeout=0.3).request("GET", "/", {})

    run(main())


# --- what the client writes ---------------------------------------------------------------------

@pytest.mark.parametrize("method, target, headers", [
    ("GET", "/v1beta/models\r\nx-injected: 1", {}),
    ("GET", "/v1beta/models\x00", {}),
    ("GET", "/v1beta/models/a b", {}),
    ("GET", "/v1beta/files/\u0100", {}),
    ("GET", "/", {"x-goog-api-key": "AIzaFake\r\nx-injected: 1"}),
    ("GET", "/", {"x-goog-api-key": "AIzaFake\n"}),
    ("GET", "/", {"x-goog-api-key": "AIzaFake\x00"}),
    ("GET", "/", {"x-goog-api-key": "AIzaFak\u0100"}),
    ("GET", "/", {"x-bad\r\nname": "1"}),
    ("GET", "/", {"x bad": "1"}),
    ("GET", "/", {"": "1"}),
    ("GET", "/", {"content-length": "5"}),
    ("GET", "/", {"Transfer-Encoding": "chunked"}),
    ("GET", "/", {"host": "elsewhere.example"}),
    ("GET /x HTTP/1.1\r\n", "/", {}),
], ids=lambda value: repr(value)[:40])
def test_nothing_that_would_break_the_request_framing_is_written(method, target, headers):
    received: list[bytes] = []

    async def handler(reader, writer):
        received.append(await reader.read(65536))

    async def main():
        _, port = await serve(handler)
        with pytest.raises(LocalProtocolError):
            await client(port).request(method, target, headers, b"{}")
        await asyncio.sleep(0.05)

    run(main())
    assert received in ([], [b""])  # not a byte reached the server


def test_ordinary_header_values_are_written_as_given():
    heads: list[bytes] = []

    async def capture(reader, writer):
        head, _ = await read_request(reader)
        heads.append(head)
        writer.write(OK)

    async def main():
        _, port = await serve(capture)
        http = client(port)
        headers = {"x-goog-api-key": "AIzaFake-key_1", "x-goog-api-client": "genai-py/1.50 gl-python/3.12\tx",
                   "accept": "*/*", "x-latin": "caf\u00e9"}
        assert await (await http.request("POST", "/v1beta/models/m:generateContent?alt=sse&x=%20", headers, b"{}")).read() == b"{}"

    run(main())
    assert heads[0].startswith(b"POST /v1beta/models/m:generateContent?alt=sse&x=%20 HTTP/1.1\r\n")
    assert b"x-goog-api-client: genai-py/1.50 gl-python/3.12\tx\r\n" in heads[0] and b"x-latin: caf\xe9\r\n" in heads[0]


# --- which call fails: the lifecycle retries on another key only before a status arrived ----------

@pytest.mark.parametrize("pieces, error, when", [
    ([b""], ProtocolError, "request"),  # closed before a byte
    ([b"HTTP/1.1 200 OK\r\ncontent-le"], ProtocolError, "request"),
    ([b"HTTP/1.1 100 Continue\r\n\r\n"], ProtocolError, "request"),  # only an informational answer
    ([b"HTTP/1.1 200 OK\r\n" + b"x: y\r\n" * 200], HeaderTooLarge, "request"),
    (None, ReadTimeout, "request"),  # silence
    ([b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nfor"], ProtocolError, "body"),
    ([b"HTTP/1.1 200 OK\r\n\r\nfor"], ProtocolError, "body"),  # close-delimited, then a reset
    ([b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nfor\r\n"], ProtocolError, "body"),
    ([b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx: "] + [b"t" * 65536] * 8, HeaderTooLarge, "body"),
    ([b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nfor", None], ReadTimeout, "body"),  # a stall
], ids=["closed", "cut in the headers", "only a 100", "header flood", "silence", "cut in a body", "reset close-delimited",
        "cut between chunks", "trailer flood", "stalled body"])
def test_a_failure_before_the_status_comes_from_request_and_one_after_it_from_the_body(pieces, error, when):
    async def handler(reader, writer):
        await read_request(reader)
        for piece in pieces or [None]:
            if piece is None:
                await asyncio.sleep(1)
                return
            writer.write(piece)
            await writer.drain()
        await asyncio.sleep(0.02)
        reset(writer)

    async def main():
        _, port = await serve(handler)
        http = client(port, read_timeout=0.2)
        if when == "request":
            with pytest.raises(error):
                await http.request("POST", "/", {}, b"{}")
            return
        response = await http.request("POST", "/", {}, b"{}")
        assert response.status == 200
        with pytest.raises(error):
            await response.read()

    run(main())


def test_a_status_and_a_reset_handled_in_one_loop_iteration_still_return_the_status(monkeypatch):
    # The event loop can deliver the answer's first bytes and the connection's end before the task
    # waiting in request() runs again; request() must still return, and the body raise.
    import adapters.connection as module

    received = module.Connection.data_received

    def then_reset(self, data):
        received(self, data)
        self.connection_lost(ConnectionResetError())

    monkeypatch.setattr(module.Connection, "data_received", then_reset)
    handler, _ = per_request(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nfor")

    async def main():
        _, port = await serve(handler)
        response = await client(port).request("POST", "/", {}, b"{}")
        assert response.status == 200
        with pytest.raises(ProtocolError, match="reset"):
            await response.read()

    run(main())


def test_a_connection_parked_after_a_big_body_read_whole_reads_again():
    body = b"x" * ((1 << 20) + 1)  # its last byte takes the buffer over the bound that pauses reading
    handler, seen = per_request(answer(body), answer(b"for B"))

    async def main():
        _, port = await serve(handler)
        http = client(port)
        response = await http.request("GET", "/", {})
        for _ in range(500):  # all of it buffered, reading paused, before read() takes it whole
            if response._connection.complete:
                break
            await asyncio.sleep(0.01)
        assert response._connection._paused
        assert len(await response.read()) == len(body)
        return await ask(http, b"B")

    assert run(main()) == (200, b"for B")
    assert [number for number, _ in seen] == [1, 1]


def test_repeated_content_lengths_then_a_drip_join_the_section_once_per_line_end_not_per_byte(monkeypatch):
    import adapters.connection as module

    joins = []
    final_head = module._final_head
    monkeypatch.setattr(module, "_final_head", lambda raw: joins.append(len(raw)) or final_head(raw))
    drip = b"|".join(b"x-drip: 1\r\n"[i:i + 1] for i in range(11))
    head = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n|" + drip + b"|\r\n|{}"
    handler, _ = per_request(head, pause=0.002)

    async def main():
        _, port = await serve(handler)
        return await ask(client(port), b"A")

    assert run(main()) == (200, b"{}")
    assert len(joins) <= 3  # the first try, the section's end; not once per byte of the drip
