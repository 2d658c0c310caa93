"""How the upstream client reaches its origin: TLS with the right CAs, and the proxies the environment
names (HTTPS_PROXY and friends, NO_PROXY), a CONNECT tunnel through them."""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from .http_errors import CAConfigError, ConnectError, ProxyConfigError

__all__ = ["Tunnel", "proxy_for", "tls_context"]

_HEAD_LIMIT = 64 * 1024  # a proxy's answer to CONNECT, at most (as an answer's header section)


class Tunnel(asyncio.Protocol):
    """Reads a proxy's answer to CONNECT; the tunnel is then handed to TLS."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.established: asyncio.Future[int] = loop.create_future()
        self.extra = False  # bytes after the answer: nothing may come before the TLS handshake
        self._buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        if self.established.done():
            self.extra = True
            return
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _HEAD_LIMIT:
                    self.established.set_exception(ConnectError("the proxy's answer to CONNECT is too large"))
                return
            line = bytes(self._buffer[:12])
            status = int(line[9:]) if line[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 ") and line[9:].isdigit() else 0
            del self._buffer[:end + 4]
            if 100 <= status < 200:
                continue  # informational: the real answer follows
            self.extra = bool(self._buffer) and 200 <= status < 300
            self.established.set_result(status)
            return

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.established.done():
            self.established.set_result(0)


def tls_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """Verified TLS: the CAs that SSL_CERT_FILE / SSL_CERT_DIR name when set (a corporate proxy's; httpx
    and OpenSSL read the same variables), otherwise certifi's bundle where it is installed (some
    serverless images lack a system one)."""
    cafile, capath = env.get("SSL_CERT_FILE") or None, env.get("SSL_CERT_DIR") or None
    if cafile is None and capath is None:
        bundle = _certifi_bundle()
        context = ssl.create_default_context(cafile=bundle) if bundle else ssl.create_default_context()
    else:
        if capath is not None and not os.path.isdir(capath):
            raise CAConfigError("SSL_CERT_DIR", "SSL_CERT_DIR must name a folder of CA certificates")
        try:
            context = ssl.create_default_context(cafile=cafile, capath=capath)
        except (OSError, ssl.SSLError) as exc:
            raise CAConfigError("SSL_CERT_FILE", f"SSL_CERT_FILE must name a file of PEM CA certificates "
                                                 f"({type(exc).__name__})") from None
    context.set_alpn_protocols(["http/1.1"])
    return context


def _certifi_bundle() -> str | None:
    """certifi's cacert.pem, found without importing certifi: `certifi.where()` goes through
    importlib.resources, about 11 ms of a cold instance's first request (bench/RESULTS.md)."""
    from importlib.util import find_spec

    spec = find_spec("certifi")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundle = os.path.join(folder, "cacert.pem")
        if os.path.isfile(bundle):
            return bundle
    return None


def proxy_for(scheme: str, host: str, port: int, env: Mapping[str, str]) -> tuple[str, int, str] | None:
    """(host, port, Proxy-Authorization header line) from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY."""
    lowered = {key.lower(): value for key, value in env.items()}
    variable = next((name for name in (f"{scheme}_proxy", "all_proxy") if lowered.get(name)), None)
    if variable is None or _bypassed(host, port, lowered.get("no_proxy", "")):
        return None
    url = lowered[variable]
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        raise ProxyConfigError(variable.upper(), f"must be an http:// proxy (host:port or http://host:port), "
                                                 f"got {parts.scheme}://")
    authorization = ""
    if parts.username:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        authorization = f"proxy-authorization: Basic {base64.b64encode(credentials).decode()}\r\n"
    return parts.hostname, parts.port or 80, authorization


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    """Whether NO_PROXY names the origin: `*`; a host or domain (`example.com` covers its subdomains,
    with or without a leading `.` or `*.`), optionally with `:port` (`[::1]:8000` for IPv6); an IP
    address; a CIDR network (`10.0.0.0/8`), as curl reads it (CURLOPT_NOPROXY)."""
    host = host.lower()
    for entry in (item.strip().lower() for item in no_proxy.split(",")):
        if entry == "*":
            return True
        name, only_port = _split_port(entry)
        if not name or (only_port is not None and only_port != port):
            continue
        if "/" in name:
            if _in_network(host, name):
                return True
            continue
        domain = name[2:] if name.startswith("*.") else name.lstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [v6] or [v6]:port
        name, _, rest = entry[1:].partition("]")
        return name, int(rest[1:]) if rest[:1] == ":" and rest[1:].isdigit() else None
    name, colon, port = entry.rpartition(":")
    if colon and name.count(":") == 0 and port.isdigit():
        return name, int(port)
    return entry, None  # no port, or a bare IPv6 address


def _in_network(host: str, network: str) -> bool:
    import ipaddress  # only for a CIDR entry: about 2 ms of import

    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False
