"""What the client takes from the environment: proxies with credentials, NO_PROXY, corporate CAs."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess

import pytest
import trustme

from adapters.client import CAConfigError, HTTPClient, proxy_for
from tests.adapters.client_servers import OK, client, keep, read_request, run, serve


def test_plain_http_through_a_proxy_with_credentials_sends_them_on_every_request():
    heads: list[bytes] = []

    async def proxy(reader, writer):
        while True:
            head, _ = await read_request(reader)
            heads.append(head)
            writer.write(OK)

    async def main():
        _, port = await serve(proxy)
        http = keep(HTTPClient("http://gemini.internal:8000", connect_timeout=2, read_timeout=2,
                               env={"HTTP_PROXY": f"http://user:p%40ss@127.0.0.1:{port}"}))
        for _ in range(2):
            assert await (await http.request("GET", "/v1beta/models", {})).read() == b"{}"

    run(main())
    assert len(heads) == 2
    for head in heads:
        assert head.startswith(b"GET http://gemini.internal:8000/v1beta/models HTTP/1.1\r\n")
        assert b"\r\nproxy-authorization: Basic dXNlcjpwQHNz\r\n" in head  # user:p@ss


@pytest.mark.parametrize("no_proxy, bypassed", [
    ("gemini.internal:8000", True),
    ("gemini.internal:9000", False),
    ("example.com, .internal:8000", True),
    ("*.internal", True),
    ("10.0.0.0/8", False),
])
def test_no_proxy_entries_with_a_port_match_only_that_port(no_proxy, bypassed):
    env = {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": no_proxy}
    assert (proxy_for("http", "gemini.internal", 8000, env) is None) is bypassed


@pytest.mark.parametrize("host, no_proxy, bypassed", [
    ("10.1.2.3", "10.0.0.0/8", True),
    ("11.1.2.3", "10.0.0.0/8", False),
    ("::1", "::1", True),
    ("::1", "[::1]:8000", True),
    ("::1", "[::1]:9000", False),
    ("localhost", "LOCALHOST", True),
])
def test_no_proxy_addresses_and_networks(host, no_proxy, bypassed):
    env = {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": no_proxy}
    assert (proxy_for("http", host, 8000, env) is None) is bypassed


@pytest.fixture(scope="module")
def corporate(tmp_path_factory):
    """A CA no public bundle knows, its PEM file, and a folder holding it under its OpenSSL hash."""
    authority = trustme.CA()
    folder = tmp_path_factory.mktemp("ca")
    pem = folder / "corporate.pem"
    authority.cert_pem.write_to_path(str(pem))
    hashed = tmp_path_factory.mktemp("capath")
    if shutil.which("openssl"):
        digest = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", str(pem)], capture_output=True, text=True,
                                check=True).stdout.strip()
        shutil.copy(pem, hashed / f"{digest}.0")
    return authority, str(pem), str(hashed)


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_a_corporate_ca_named_by_ssl_cert_file_or_dir_is_trusted(corporate, variable):
    authority, pem, hashed = corporate
    if variable == "SSL_CERT_DIR" and not os.listdir(hashed):
        pytest.skip("needs the openssl command to name the certificate by its hash")
    import ssl

    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_context)

    async def handler(reader, writer):
        await read_request(reader)
        writer.write(OK)

    async def main():
        _, port = await serve(handler, server_context)
        env = {variable: pem if variable == "SSL_CERT_FILE" else hashed}
        assert await (await client(port, "https", env=env).request("GET", "/", {})).read() == b"{}"

    run(main())


@pytest.mark.parametrize("env, variable", [
    ({"SSL_CERT_FILE": "/nonexistent/ca.pem"}, "SSL_CERT_FILE"),
    ({"SSL_CERT_DIR": "/nonexistent/certs"}, "SSL_CERT_DIR"),
])
def test_an_unusable_ca_setting_is_a_configuration_error_naming_it(env, variable):
    with pytest.raises(CAConfigError) as raised:
        HTTPClient("https://generativelanguage.googleapis.com", connect_timeout=1, read_timeout=1, env=env)
    assert raised.value.variable == variable and variable in str(raised.value)


def test_a_ca_file_that_is_not_pem_is_a_configuration_error(tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(CAConfigError, match="SSL_CERT_FILE"):
        HTTPClient("https://generativelanguage.googleapis.com", connect_timeout=1, read_timeout=1,
                   env={"SSL_CERT_FILE": str(junk)})


def test_plain_http_ignores_the_ca_settings():
    HTTPClient("http://127.0.0.1:1", connect_timeout=1, read_timeout=1, env={"SSL_CERT_FILE": "/nonexistent"})


@pytest.mark.parametrize("status", [b"200 Connection established", b"201 Created", b"299 Whatever"])
def test_any_2xx_answer_to_connect_opens_the_tunnel(status):
    # RFC 9110 §9.3.6: "Any 2xx (Successful) response indicates that the sender ... will switch to
    # tunnel mode immediately after the response header section".
    authority = trustme.CA()
    import ssl

    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_context)
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)

    async def origin(reader, writer):
        await read_request(reader)
        writer.write(OK)

    async def main():
        _, port = await serve(origin, server_context)

        async def proxy(reader, writer):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 " + status + b"\r\n\r\n")
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
            keep(upstream_writer)

            async def pipe(source, sink):
                while data := await source.read(65536):
                    sink.write(data)
                sink.close()

            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

        _, proxy_port = await serve(proxy)
        env = {"HTTPS_PROXY": f"http://127.0.0.1:{proxy_port}"}
        assert await (await client(port, "https", ssl_context=trusted, env=env).request("GET", "/", {})).read() == b"{}"

    run(main())


def test_an_ipv6_origin_is_bracketed_in_the_host_header():
    heads: list[bytes] = []

    async def main():
        server = keep(await asyncio.start_server(lambda r, w: capture(r, w), "::1", 0))
        port = server.sockets[0].getsockname()[1]
        http = keep(HTTPClient(f"http://[::1]:{port}", connect_timeout=2, read_timeout=2, env={}))
        assert await (await http.request("GET", "/", {})).read() == b"{}"

    async def capture(reader, writer):
        keep(writer)
        heads.append((await read_request(reader))[0])
        writer.write(OK)

    try:
        run(main())
    except OSError:
        pytest.skip("no IPv6 loopback here")
    assert b"\r\nhost: [::1]:" in heads[0]
