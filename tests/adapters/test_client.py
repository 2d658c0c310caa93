"""adapters/client.py against scripted servers on loopback (tests/adapters/client_servers.py): the
everyday exchange, keep-alive, timeouts, TLS, proxies. The hardening suites are beside it:
test_client_framing.py, test_client_resend.py, test_client_setup.py, test_client_differential.py.
"""

from __future__ import annotations

import asyncio
import ssl

import pytest
import trustme

from adapters.client import (
    ConnectError,
    ConnectTimeout,
    HTTPClient,
    ProtocolError,
    ProxyConfigError,
    ReadTimeout,
)
from adapters.reach import proxy_for
from tests.adapters.client_servers import (
    OK,
    answer_once,
    client,
    keep,
    read_request,
    run,
    serve,
)


def test_a_request_and_its_answer_and_the_connection_kept_alive_for_the_next():
    seen: list[bytes] = []
    connections = 0

    async def handler(reader, writer):
        nonlocal connections
        connections += 1
        while not reader.at_eof():
            try:
                head, body = await read_request(reader)
            except asyncio.IncompleteReadError:
                break
            seen.append(head + body)
            writer.write(OK)

    async def main():
        _, port = await serve(handler)
        http = client(port)
        for _ in range(3):
            response = await http.request("POST", "/v1beta/models/m:generateContent", {"x-goog-api-key": "k"}, b'{"a":1}')
            assert (response.status, response.headers["content-type"], await response.read()) == (200, "application/json", b"{}")
        await http.aclose()

    run(main())
    assert connections == 1
    assert seen[0].startswith(b"POST /v1beta/models/m:generateContent HTTP/1.1\r\nhost: localhost:")
    assert b"x-goog-api-key: k\r\ncontent-length: 7\r\n\r\n{\"a\":1}" in seen[0]


def test_a_base_url_with_a_path_prefixes_every_request():
    async def handler(reader, writer):
        head, _ = await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(head.split()[1]), head.split()[1]))

    async def main():
        _, port = await serve(handler)
        http = HTTPClient(f"http://127.0.0.1:{port}/relay/", connect_timeout=2, read_timeout=2, env={})
        response = await http.request("GET", "/v1beta/models?pageSize=1000", {})
        assert await response.read() == b"/relay/v1beta/models?pageSize=1000"

    run(main())


def test_a_chunked_body_streams_as_it_arrives():
    async def main():
        second = asyncio.Event()

        async def handler(reader, writer):
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                         b"a\r\ndata: one\n\r\n")
            await second.wait()
            writer.write(b"a\r\ndata: two\n\r\n0\r\n\r\n")

        _, port = await serve(handler)
        http = client(port)
        response = await http.request("POST", "/s", {}, b"{}")
        chunks = response.stream()
        assert await chunks.__anext__() == b"data: one\n"  # before the server has sent the rest
        second.set()
        assert [chunk async for chunk in chunks] == [b"data: two\n"]

    run(main())


def test_an_answer_that_says_close_is_not_reused():
    heads: list[bytes] = []

    async def main():
        _, port = await serve(answer_once(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}", heads))
        http = client(port)
        for _ in range(2):
            assert await (await http.request("GET", "/", {})).read() == b"{}"

    run(main())
    assert len(heads) == 2  # and each on a connection of its own: the server hung up after one


def test_an_answer_without_length_ends_with_the_connection():
    async def main():
        _, port = await serve(answer_once(b"HTTP/1.1 200 OK\r\n\r\nall of it", []))
        assert await (await client(port).request("GET", "/", {})).read() == b"all of it"

    run(main())


def test_a_kept_alive_connection_the_server_dropped_is_replaced_without_the_caller_noticing():
    # Serverless instances freeze between invocations; Google's front ends drop idle connections.
    # This server hangs up after answering without saying so: the client has parked the connection.
    heads: list[bytes] = []

    async def main():
        _, port = await serve(answer_once(OK, heads))
        http = client(port)
        assert await (await http.request("GET", "/", {})).read() == b"{}"
        await asyncio.sleep(0.05)
        assert await (await http.request("GET", "/", {})).read() == b"{}"

    run(main())
    assert len(heads) == 2


def test_a_connection_that_dies_after_the_answer_began_is_an_error_not_a_retry():
    requests = 0

    async def handler(reader, writer):
        nonlocal requests
        await read_request(reader)
        requests += 1
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"partial")
        await writer.drain()
        writer.transport.abort()

    async def main():
        _, port = await serve(handler)
        response = await client(port).request("POST", "/", {}, b"{}")
        with pytest.raises(ProtocolError, match="closed the connection"):
            await response.read()

    run(main())
    assert requests == 1


def test_garbage_instead_of_http_is_a_protocol_error():
    async def handler(reader, writer):
        await read_request(reader)
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")

    async def main():
        _, port = await serve(handler)
        with pytest.raises(ProtocolError, match="invalid HTTP response"):
            await client(port).request("GET", "/", {})

    run(main())


def test_timeouts_waiting_for_the_headers_and_between_body_chunks():
    async def silent(reader, writer):
        await read_request(reader)
        await asyncio.sleep(5)

    async def stalls(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\none\r\n")
        await asyncio.sleep(5)

    async def main():
        _, port = await serve(silent)
        with pytest.raises(ReadTimeout, match=r"0\.2 s"):
            await client(port, read_timeout=0.2).request("GET", "/", {})
        _, port = await serve(stalls)
        response = await client(port, read_timeout=0.2).request("GET", "/", {})
        chunks = response.stream()
        assert await chunks.__anext__() == b"one"
        with pytest.raises(ReadTimeout):
            await chunks.__anext__()

    run(main())


def test_nothing_listening_is_a_connect_error_and_a_hung_connect_a_connect_timeout(monkeypatch):
    async def main():
        server, port = await serve(lambda reader, writer: None)
        server.close()
        await server.wait_closed()
        with pytest.raises(ConnectError, match=f"localhost:{port}"):
            await client(port).request("GET", "/", {})

        async def never(*args, **kwargs):
            await asyncio.sleep(5)

        monkeypatch.setattr(asyncio.get_running_loop(), "create_connection", never)
        with pytest.raises(ConnectTimeout, match=r"within 0\.1 s"):
            await client(port, connect_timeout=0.1).request("GET", "/", {})

    run(main())


def test_a_body_bigger_than_the_buffer_arrives_whole_while_reading_pauses():
    body = bytes(range(256)) * 12_000  # about 3 MB: more than the client buffers before pausing

    async def handler(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()

    async def main():
        _, port = await serve(handler)
        response = await client(port).request("GET", "/", {})
        received = []
        async for chunk in response.stream():
            received.append(chunk)
            await asyncio.sleep(0)
        assert b"".join(received) == body

    run(main())


@pytest.fixture(scope="module")
def authority():
    return trustme.CA()


@pytest.fixture(scope="module")
def tls(authority):
    """(server context for "localhost", client context trusting only the test CA)."""
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server)
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)
    return server, trusted


def test_https_verifies_the_certificate(tls):
    server_context, trusted = tls

    async def handler(reader, writer):
        await read_request(reader)
        writer.write(OK)

    async def main():
        _, port = await serve(handler, server_context)
        assert await (await client(port, "https", ssl_context=trusted).request("GET", "/", {})).read() == b"{}"
        # The default context (certifi's CAs) does not know the test CA.
        with pytest.raises(ConnectError, match="SSLCertVerificationError"):
            await client(port, "https").request("GET", "/", {})

    run(main())


async def connect_proxy(seen: list[bytes], status: bytes = b"200 Connection established") -> tuple[asyncio.Server, int]:
    """An HTTP proxy that answers CONNECT and then pipes bytes both ways."""

    async def handler(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head)
        _, port = head.split()[1].decode().rsplit(":", 1)
        writer.write(b"HTTP/1.1 " + status + b"\r\n\r\n")
        if not status.startswith(b"200"):
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", int(port))
        keep(upstream_writer)

        async def pipe(source, sink):
            while data := await source.read(65536):
                sink.write(data)
            sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    return await serve(handler)


def test_https_through_an_https_proxy_tunnel_with_credentials(tls):
    server_context, trusted = tls
    seen: list[bytes] = []

    async def origin(reader, writer):
        head, _ = await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(head.split()[1]), head.split()[1]))

    async def main():
        _, port = await serve(origin, server_context)
        _, proxy_port = await connect_proxy(seen)
        env = {"HTTPS_PROXY": f"http://user:p%40ss@127.0.0.1:{proxy_port}"}
        response = await client(port, "https", ssl_context=trusted, env=env).request("GET", "/v1beta/models", {})
        assert await response.read() == b"/v1beta/models"  # origin-form inside the tunnel
        _, refused_port = await connect_proxy(seen, b"407 Proxy Authentication Required")
        env = {"https_proxy": f"127.0.0.1:{refused_port}"}
        with pytest.raises(ConnectError, match=r"refused to tunnel.*407"):
            await client(port, "https", ssl_context=trusted, env=env).request("GET", "/", {})

    run(main())
    assert seen[0].startswith(b"CONNECT localhost:")
    assert b"proxy-authorization: Basic dXNlcjpwQHNz\r\n" in seen[0]  # user:p@ss


def test_plain_http_through_a_proxy_sends_the_absolute_url():
    seen: list[bytes] = []

    async def proxy(reader, writer):
        head, _ = await read_request(reader)
        seen.append(head)
        writer.write(OK)

    async def main():
        _, port = await serve(proxy)
        http = HTTPClient("http://gemini.internal:8000", connect_timeout=2, read_timeout=2,
                          env={"HTTP_PROXY": f"http://127.0.0.1:{port}"})
        assert await (await http.request("GET", "/v1beta/models", {})).read() == b"{}"

    run(main())
    assert seen[0].startswith(b"GET http://gemini.internal:8000/v1beta/models HTTP/1.1\r\nhost: gemini.internal:8000\r\n")


def test_which_proxy_applies():
    google = "generativelanguage.googleapis.com"
    assert proxy_for("https", google, 443, {}) is None
    assert proxy_for("https", google, 443, {"HTTPS_PROXY": "http://127.0.0.1:7890"}) == ("127.0.0.1", 7890, "")
    assert proxy_for("https", google, 443, {"ALL_PROXY": "http://proxy"}) == ("proxy", 80, "")
    assert proxy_for("https", google, 443, {"HTTP_PROXY": "http://proxy:1"}) is None  # only for http://
    # Clash-style shells set both; the scheme's own variable wins over a SOCKS ALL_PROXY.
    assert proxy_for("https", google, 443, {"https_proxy": "http://127.0.0.1:7890", "all_proxy": "socks5://127.0.0.1:7890"})
    for no_proxy in ("googleapis.com", ".googleapis.com", "example.com, generativelanguage.googleapis.com", "*"):
        assert proxy_for("https", google, 443, {"HTTPS_PROXY": "http://p:1", "NO_PROXY": no_proxy}) is None
    assert proxy_for("https", google, 443, {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "notgoogleapis.com"})
    with pytest.raises(ProxyConfigError, match=r"must be an http:// proxy .*got socks5://") as raised:
        proxy_for("https", google, 443, {"ALL_PROXY": "socks5://127.0.0.1:1080"})
    assert raised.value.variable == "ALL_PROXY"


def test_the_ca_bundle_is_certifis_when_installed():
    import certifi

    from adapters.reach import _certifi_bundle

    assert _certifi_bundle() == certifi.where()
