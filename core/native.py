"""Gemini's own REST API, forwarded: for clients that speak it (the google-genai SDKs, Cherry
Studio's Gemini provider) and need a way to Gemini from where Google does not serve.

Method, path, query and body go upstream as they came; only the key changes hands. In pass-through
mode the client's `x-goog-api-key` (or `?key=`, or a Bearer token) is the Gemini key; with server
keys the client shows an AUTH_TOKEN there and a pool key goes upstream instead. The key never rides
in the upstream URL: `?key=` is taken out of the query and sent as the header.

The Files API's resumable upload answers its first request with the URL the client must send the
bytes to (`x-goog-upload-url`, on Google's host). It is rewritten to point at this gateway, and the
uploads that follow are forwarded without a key: the SDKs send none there, the upload id in the URL
is what authorizes them.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from .errors import GatewayError, InvalidRequestError
from .jsontext import dumps_bytes
from .models import validate_model_id
from .upstream import UpstreamRequest

__all__ = ["NativePlan", "native_error_event", "native_error_headers", "native_request", "native_response_headers", "public_origin"]

# Request headers that belong to the call itself (the rest — cookies, the client's key, its
# user-agent — stay here). The Files API's `x-goog-upload-*` headers carry its protocol.
_FORWARDED = ("content-type", "accept")
_FORWARDED_PREFIX = "x-goog-upload-"
# Response headers that describe Google's connection to us, not our answer to the client.
_DROPPED = frozenset({
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
    "content-length", "alt-svc", "server", "set-cookie",
})
_MODEL = re.compile(r"/models/([^/:]+)")


class NativePlan(NamedTuple):
    """One forwarded call: the upstream request, the model it names (for the log), and whether it
    needs a key (an upload's continuation does not)."""

    request: UpstreamRequest
    model: str | None
    needs_key: bool = True

    def with_body(self, body: bytes) -> NativePlan:
        """The plan carrying the request body (none at all for a bodiless GET or DELETE)."""
        if not body and self.request.method not in ("POST", "PATCH"):
            return self
        return self._replace(request=self.request._replace(body=body))


def native_request(method: str, path: str, query: str, headers: Mapping[str, str]) -> NativePlan:
    """The upstream call for a native request (`headers` with lower-case names); its body comes
    next (`with_body`), once the shell has checked the key and read it."""
    pairs = tuple((name, value) for name, value in parse_qsl(query, keep_blank_values=True) if name != "key")
    found = _MODEL.search(path)
    model = validate_model_id(found.group(1)) if found else None
    stream = path.endswith(":streamGenerateContent") or ("alt", "sse") in pairs
    forward = tuple((name, value) for name, value in headers.items()
                    if name in _FORWARDED or name.startswith(_FORWARDED_PREFIX))
    request = UpstreamRequest(method.upper(), _safe_path(path), pairs, stream=stream, forward=forward)
    return NativePlan(request, model, needs_key=not _continues_upload(path, pairs, headers))


def native_response_headers(headers: Iterable[tuple[str, str]], base_url: str, origin: str) -> list[tuple[str, str]]:
    """Gemini's response headers for the client: hop-by-hop ones dropped, an upload URL pointed at
    this gateway (`origin`: how the client reached us, e.g. `https://gw.example.com`)."""
    kept = []
    for name, value in headers:
        name = name.lower()
        if name in _DROPPED:
            continue
        if name == "x-goog-upload-url":
            value = _rebase(value, base_url, origin)
        kept.append((name, value))
    return kept


def native_error_event(error: GatewayError) -> bytes:
    """The event that ends a native stream which failed half-way: Google's envelope, as Gemini's own
    mid-stream errors are (the SDKs raise it)."""
    return b"data: " + dumps_bytes(error.to_google_dict()) + b"\n\n"


def native_error_headers(path: str) -> list[tuple[str, str]]:
    """Headers for the gateway's own error on a native path. An upload's: `x-goog-upload-status:
    final`, as Google marks its own; without it the SDKs resend the chunk three times (7 s of
    back-off) before they read the error."""
    return [("x-goog-upload-status", "final")] if path.startswith("/upload/") else []


def public_origin(headers: Mapping[str, str], scheme: str) -> str:
    """`scheme://host` as the client sees this gateway, behind the platforms' proxies too."""
    host = (headers.get("x-forwarded-host") or headers.get("host") or "localhost").split(",")[0].strip()
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return f"{forwarded if forwarded in ('http', 'https') else scheme}://{host}"


def _continues_upload(path: str, pairs: tuple[tuple[str, str], ...], headers: Mapping[str, str]) -> bool:
    """A resumable upload's data or status request, to the URL its start request was given."""
    command = headers.get("x-goog-upload-command", "").lower()
    return path.startswith("/upload/") and any(name == "upload_id" for name, _ in pairs) and "start" not in command


def _safe_path(path: str) -> str:
    """The path as given, unless it could step outside the API (`..`) or carries odd characters."""
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments) or any(c in path for c in "\\#?\r\n\t "):
        raise InvalidRequestError(f"Not a Gemini API path: {path[:100]!r}.")
    return path


def _rebase(url: str, base_url: str, origin: str) -> str:
    """`url` (on Gemini's host, or under GEMINI_BASE_URL) moved to the same path under `origin`."""
    base = base_url.rstrip("/")
    if url.startswith(base + "/"):
        rest = url[len(base):]
    else:
        parts = urlsplit(url)
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return origin.rstrip("/") + rest
