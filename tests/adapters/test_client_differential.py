"""adapters/client.py and httpx against the same misbehaving servers: they agree, or the difference is named.

Each scenario (tests/adapters/client_scripts.py has the server and the two drivers) states what our
client must see and what the server must receive, as one line each; httpx must see and cause the
same, unless the scenario says why it does not (`httpx=(what httpx sees, what the server receives),
why`). httpx is the reference for "behaves as correctly as httpx does" (issue 11).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from typing import Any, NamedTuple

import pytest
import trustme

from tests.adapters.client_scripts import (
    CLOSE,
    HOLD,
    RESET,
    Ask,
    answer,
    drive_httpx,
    drive_ours,
    play,
)
from tests.adapters.client_servers import OK, run

A, B, C = Ask(b"A"), Ask(b"B"), Ask(b"C")
LATER_B = Ask(b"B", pause=0.3)  # once the server's close or stray bytes have surely arrived, even on a busy machine


class Scenario(NamedTuple):
    name: str
    scripts: Sequence[Sequence[Any]]
    asks: Sequence[Ask]
    expect: tuple[str, str]  # (what our client sees, what the server receives)
    httpx: tuple[str, str] | None = None  # httpx's, where it differs
    why: str = ""  # the deliberate difference
    tls: str | None = None  # "ok", "wrong host", "unknown CA"
    timeout: float = 1.0  # the read timeout: short only where a scenario is about timing out


def drip(raw: bytes, every: float) -> list:
    return [step for byte in raw for step in (bytes([byte]), every)]


CHUNKED = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"


def for_(user: bytes) -> bytes:
    return answer(b"for " + user)

SCENARIOS = [
    # --- ordinary exchanges ----------------------------------------------------------------------
    Scenario("content-length, kept alive", [[for_(b"A")], [for_(b"B")]], [A, B], ("200 for A; 200 for B", "A@1 B@1")),
    Scenario("chunked in pieces", [[CHUNKED, b"4\r\nfor \r\n", 0.02, b"1\r\nA\r\n0\r\n\r\n"], [for_(b"B")]], [A, B],
             ("200 for A; 200 for B", "A@1 B@1")),
    Scenario("close-delimited body", [[b"HTTP/1.1 200 OK\r\n\r\nfor A", CLOSE], [for_(b"B")]], [A, B],
             ("200 for A; 200 for B", "A@1 B@2")),
    Scenario("HTTP/1.0 answer", [[b"HTTP/1.0 200 OK\r\ncontent-length: 5\r\n\r\nfor A"], [for_(b"B")]], [A, B],
             ("200 for A; 200 for B", "A@1 B@2")),
    Scenario("204 and 304 have no body", [[b"HTTP/1.1 204 No Content\r\n\r\n"], [b"HTTP/1.1 304 Not Modified\r\n\r\n"],
                                          [for_(b"C")]], [A, B, C], ("204 ; 304 ; 200 for C", "A@1 B@1 C@1")),
    Scenario("201 and 202 are answers", [[answer(b"made", status=b"201 Created")], [answer(b"later", status=b"202 Accepted")]],
             [A, B], ("201 made; 202 later", "A@1 B@1")),
    Scenario("trailers are not headers", [[CHUNKED, b"5\r\nfor A\r\n0\r\nx-checksum: 1\r\n\r\n"], [for_(b"B")]], [A, B],
             ("200 for A; 200 for B", "A@1 B@1")),
    Scenario("chunk extensions", [[CHUNKED, b"5;name=value\r\nfor A\r\n0\r\n\r\n"]], [A], ("200 for A", "A@1")),
    Scenario("no reason phrase", [[b"HTTP/1.1 200\r\ncontent-length: 5\r\n\r\nfor A"]], [A], ("200 for A", "A@1")),
    Scenario("a big body", [[answer(bytes(range(256)) * 16384)]], [A], ("200 <4194304 bytes>", "A@1")),
    Scenario("HEAD with a length", [[b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n"], [for_(b"B")]],
             [Ask(b"", method="HEAD"), B], ("200 ; 200 for B", "-@1 B@2"),
             httpx=("200 ; 200 for B", "-@1 B@1"),
             why="llhttp cannot be told a request was HEAD, so the connection is closed after its answer"),

    # --- informational answers -----------------------------------------------------------------
    Scenario("100 Continue, three users", [[b"HTTP/1.1 100 Continue\r\n\r\n", 0.02, for_(user)] for user in (b"A", b"B", b"C")],
             [A, B, C], ("200 for A; 200 for B; 200 for C", "A@1 B@1 C@1")),
    Scenario("103 and 102 before the answer", [[b"HTTP/1.1 103 Early Hints\r\nlink: </a>; rel=preload\r\n\r\n"
                                                b"HTTP/1.1 102 Processing\r\n\r\n" + for_(b"A")], [for_(b"B")]],
             [A, B], ("200 for A; 200 for B", "A@1 B@1")),
    Scenario("101 nobody asked for", [[b"HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\nconnection: upgrade\r\n\r\n", HOLD]],
             [A], ("no status: protocol", "A@1")),
    Scenario("1xx flood", [[b"HTTP/1.1 100 Continue\r\n\r\n" * 4000, CLOSE]], [A], ("no status: protocol", "A@1")),

    # --- resets and closes at each point ------------------------------------------------------------
    Scenario("reset before a byte, fresh connection", [[RESET]], [A], ("no status: protocol", "A@1")),
    Scenario("closed before a byte, fresh connection", [[CLOSE]], [A], ("no status: protocol", "A@1")),
    Scenario("reset in the status line", [[b"HTTP/1.1 20", 0.02, RESET]], [A], ("no status: protocol", "A@1")),
    Scenario("reset in the headers", [[b"HTTP/1.1 200 OK\r\ncontent-le", 0.02, RESET]], [A], ("no status: protocol", "A@1")),
    Scenario("reset in a content-length body", [[b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nfor", 0.02, RESET]], [A],
             ("200, then protocol", "A@1")),
    Scenario("closed in a content-length body", [[b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nfor", 0.02, CLOSE]], [A],
             ("200, then protocol", "A@1")),
    Scenario("reset in a chunked body", [[CHUNKED, b"5\r\nfor A\r\n", 0.02, RESET]], [A], ("200, then protocol", "A@1")),
    Scenario("closed between chunks", [[CHUNKED, b"5\r\nfor A\r\n", 0.02, CLOSE]], [A], ("200, then protocol", "A@1")),
    Scenario("reset in a close-delimited body", [[b"HTTP/1.1 200 OK\r\n\r\nfor", 0.02, RESET]], [A], ("200, then protocol", "A@1")),
    Scenario("reset after a complete answer", [[for_(b"A"), 0.02, RESET], [for_(b"B")]], [A, LATER_B],
             ("200 for A; 200 for B", "A@1 B@2")),

    # --- stale keep-alive ----------------------------------------------------------------------
    Scenario("parked connection closed by the server", [[for_(b"A"), 0.01, CLOSE], [for_(b"B")]], [A, LATER_B],
             ("200 for A; 200 for B", "A@1 B@2")),
    Scenario("parked connection dies under the next request", [[for_(b"A")], [CLOSE], [for_(b"B")]], [A, B],
             ("200 for A; 200 for B", "A@1 B@1 B@2"),
             httpx=("200 for A; no status: protocol", "A@1 B@1"),
             why="one resend, on a fresh connection, when a reused connection closed before any byte (issue 11's rule: "
                 "a serverless instance thawed with a dead connection); httpx never resends"),
    Scenario("parked connection reset under the next request", [[for_(b"A")], [RESET], [for_(b"B")]], [A, B],
             ("200 for A; 200 for B", "A@1 B@1 B@2"),
             httpx=("200 for A; no status: protocol", "A@1 B@1"), why="the same resend, after a RST"),
    Scenario("every connection drops the request", [[for_(b"A")], [CLOSE]], [A, B],
             ("200 for A; no status: protocol", "A@1 B@1 B@2"),
             httpx=("200 for A; no status: protocol", "A@1 B@1"), why="the one resend fails too, and there is no other"),
    Scenario("reused connection times out", [[for_(b"A")], [HOLD]], [A, B], ("200 for A; no status: read timeout", "A@1 B@1"),
             timeout=0.2),
    Scenario("reused connection answers in part", [[for_(b"A")], [b"HTTP/1.1 2", CLOSE]], [A, B],
             ("200 for A; no status: protocol", "A@1 B@1")),

    # --- framing -------------------------------------------------------------------------------
    Scenario("repeated identical content-length", [[b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 5\r\n\r\nfor A"],
                                                   [for_(b"B")]], [A, B], ("200 for A; 200 for B", "A@1 B@1")),
    Scenario("content-length list", [[b"HTTP/1.1 200 OK\r\ncontent-length: 5, 5\r\n\r\nfor A"], [for_(b"B")]], [A, B],
             ("200 for A; 200 for B", "A@1 B@1")),
    Scenario("conflicting content-length", [[b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nfor A"]], [A],
             ("no status: protocol", "A@1")),
    Scenario("content-length and chunked", [[b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\ntransfer-encoding: chunked\r\n\r\n"
                                             b"5\r\nfor A\r\n0\r\n\r\n"], [for_(b"B")]], [A, B],
             ("200 for A; 200 for B", "A@1 B@2"), httpx=("200 for A; 200 for B", "A@1 B@1"),
             why="chunked wins in both; a sign of smuggling (RFC 9112 §6.3), so we do not reuse the connection"),
    Scenario("gzip, chunked", [[b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n"]], [A],
             ("no status: protocol", "A@1")),
    Scenario("two transfer-encoding fields", [[CHUNKED[:-2] + b"transfer-encoding: chunked\r\n\r\n0\r\n\r\n"]], [A],
             ("no status: protocol", "A@1")),
    Scenario("a second answer nobody asked for", [[for_(b"A") + answer(b"for nobody")], [for_(b"B")]], [A, B],
             ("200 for A; 200 for B", "A@1 B@2"), httpx=("200 for A; 200 for nobody", "A@1 B@1"),
             why="httpx hands B the answer nobody asked for (h11 keeps the extra bytes for the next cycle); we close a "
                 "connection whose answer did not end exactly at a message boundary"),
    Scenario("bytes on a parked connection", [[for_(b"A"), 0.01, b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n"],
                                              [for_(b"B")]], [A, LATER_B], ("200 for A; 200 for B", "A@1 B@2")),
    Scenario("invalid status code", [[b"HTTP/1.1 20 OK\r\ncontent-length: 0\r\n\r\n"]], [A], ("no status: protocol", "A@1")),
    Scenario("not HTTP", [[b"SSH-2.0-OpenSSH_9.6\r\n\r\n", HOLD]], [A], ("no status: protocol", "A@1")),
    Scenario("space before a colon", [[b"HTTP/1.1 200 OK\r\nx : 1\r\ncontent-length: 0\r\n\r\n"]], [A],
             ("no status: protocol", "A@1")),
    Scenario("NUL in a header value", [[b"HTTP/1.1 200 OK\r\nx: a\x00b\r\ncontent-length: 0\r\n\r\n"]], [A],
             ("no status: protocol", "A@1")),
    Scenario("obsolete line folding", [[b"HTTP/1.1 200 OK\r\nx: a\r\n b\r\ncontent-length: 5\r\n\r\nfor A"]], [A],
             ("no status: protocol", "A@1"), httpx=("200 for A", "A@1"),
             why="llhttp refuses obs-fold (RFC 9112 §5.2 lets a user agent unfold it instead); Google never folds"),
    Scenario("bare LF line ends", [[b"HTTP/1.1 200 OK\ncontent-length: 5\n\nfor A"]], [A], ("no status: protocol", "A@1"),
             httpx=("200 for A", "A@1"),
             why="llhttp requires CRLF (RFC 9112 §2.2 only allows a recipient to accept a bare LF)"),

    # --- floods --------------------------------------------------------------------------------
    Scenario("endless header value", [[b"HTTP/1.1 200 OK\r\nx: " + b"a" * 400_000, HOLD]], [A], ("no status: protocol", "A@1")),
    Scenario("endless header fields", [[b"HTTP/1.1 200 OK\r\n" + b"x: 1\r\n" * 40_000, HOLD]], [A], ("no status: protocol", "A@1")),
    Scenario("150 small header fields", [[b"HTTP/1.1 200 OK\r\n" + b"x: 1\r\n" * 150 + b"content-length: 5\r\n\r\nfor A"]], [A],
             ("no status: protocol", "A@1"), httpx=("200 for A", "A@1"),
             why="we allow 100 fields in a section (Google sends about 15); httpx bounds only the size, at 100 KiB"),
    Scenario("endless trailers", [[CHUNKED, b"5\r\nfor A\r\n0\r\nx: " + b"t" * 400_000, HOLD]], [A], ("200, then protocol", "A@1")),

    # --- slow drips ----------------------------------------------------------------------------
    Scenario("a slow header section", [[*drip(b"HTTP/1.1 200 OK\r\nx-drip: 0123456789abcdef0123\r\ncontent-length: 5\r\n\r\n", 0.01),
                                        b"for A"]],
             [A], ("no status: read timeout", "A@1"), httpx=("200 for A", "A@1"),
             why="read_timeout bounds the whole header section for us, each read for httpx: a drip cannot hold us",
             timeout=0.4),
    Scenario("a slow body", [[CHUNKED] + [step for _ in range(8) for step in (b"1\r\nA\r\n", 0.07)] + [b"0\r\n\r\n"]], [A],
             ("200 AAAAAAAA", "A@1"), timeout=0.5),  # longer than the timeout in all, never between two chunks
    Scenario("a body that stalls", [[b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nfor", HOLD]], [A],
             ("200, then read timeout", "A@1"), timeout=0.2),
    Scenario("silence", [[HOLD]], [A], ("no status: read timeout", "A@1"), timeout=0.2),

    # --- TLS -----------------------------------------------------------------------------------
    Scenario("TLS", [[for_(b"A")], [for_(b"B")]], [A, B], ("200 for A; 200 for B", "A@1 B@1"), tls="ok"),
    Scenario("TLS close-delimited", [[b"HTTP/1.1 200 OK\r\n\r\nfor A", CLOSE]], [A], ("200 for A", "A@1"), tls="ok"),
    Scenario("TLS with a wrong host", [[for_(b"A")]], [A], ("no status: connect", ""), tls="wrong host"),
    Scenario("TLS from an unknown CA", [[for_(b"A")]], [A], ("no status: connect", ""), tls="unknown CA"),

    # --- what the client writes ------------------------------------------------------------------
    Scenario("CR LF in a header value we send", [[OK]], [Ask(headers={"x-goog-api-key": "AIzaFake\r\nx-injected: 1"})],
             ("no status: refused", "")),
    Scenario("NUL in a header value we send", [[OK]], [Ask(headers={"x-goog-api-key": "AIzaFake\x00"})], ("no status: refused", "")),
    Scenario("CR LF in a header name we send", [[OK]], [Ask(headers={"x-a\r\nx-injected": "1"})], ("no status: refused", "")),
    Scenario("CR LF in the target", [[OK]], [Ask(target="/v1beta/models\r\nx-injected: 1")], ("no status: refused", "")),
    Scenario("a space in the target", [[OK]], [Ask(target="/v1beta/models/a b")], ("no status: refused", ""),
             httpx=("200 {}", "A@1"), why="httpx percent-encodes it; the gateway sends targets already encoded, so "
                                          "one that is not is refused"),
]


@pytest.fixture(scope="module")
def certificates():
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server)
    other = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("example.org").configure_cert(other)
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)
    return {"ok": (server, trusted, "localhost"), "wrong host": (other, trusted, "localhost"),
            "unknown CA": (server, None, "localhost")}


@pytest.fixture(scope="module")
def outcomes(certificates) -> dict[str, Any]:
    """Every scenario through both clients, all at once in one event loop: the suite takes about as
    long as its slowest scenario (timeouts and drips overlap)."""

    async def both(scenario: Scenario) -> tuple[tuple[str, str], tuple[str, str]]:
        tls = certificates[scenario.tls] if scenario.tls else None
        return (await play(drive_ours, scenario.scripts, scenario.asks, tls, scenario.timeout),
                await play(drive_httpx, scenario.scripts, scenario.asks, tls, scenario.timeout))

    async def main():
        return await asyncio.gather(*(both(scenario) for scenario in SCENARIOS), return_exceptions=True)

    return dict(zip([scenario.name for scenario in SCENARIOS], run(main()), strict=True))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.name for scenario in SCENARIOS])
def test_both_clients(scenario: Scenario, outcomes):
    result = outcomes[scenario.name]
    if isinstance(result, BaseException):
        raise result
    mine, theirs = result
    assert mine == scenario.expect
    if scenario.httpx is None:
        assert theirs == mine, "httpx disagrees: name the difference, or fix the client"
    else:
        assert scenario.why and theirs == scenario.httpx != mine
