"""What the core asks a shell to send to Gemini: method, path, query and JSON body — never the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

__all__ = ["API_VERSION", "USER_AGENT", "UpstreamRequest", "generate_request"]

API_VERSION = "v1beta"
USER_AGENT = "gemini-openai-gateway"


class UpstreamRequest(NamedTuple):
    """One call to the Gemini REST API. The shell adds the base URL and the `x-goog-api-key` header.

    `body` is JSON to encode, or bytes to send as they are (a forwarded native request, whose own
    headers — content type, the Files API's upload protocol — ride in `forward`).
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    stream: bool = False
    forward: tuple[tuple[str, str], ...] = ()
    query_string: str = ""  # a query as the client encoded it (native calls), sent instead of `query`

    def headers(self, key: str | None) -> dict[str, str]:
        """The request headers, with the Gemini key (which never goes in the URL or a log)."""
        headers = {"user-agent": USER_AGENT}
        if key is not None:
            headers["x-goog-api-key"] = key
        if self.body is not None and not isinstance(self.body, (bytes, bytearray)):
            headers["content-type"] = "application/json"
        headers.update(self.forward)
        if self.stream:
            # Compressed event streams arrive in bursts; ask for the bytes as Gemini writes them.
            headers["accept-encoding"] = "identity"
        return headers

    def content(self, dumps: Callable[[Any], bytes]) -> bytes | None:
        """The body as bytes: JSON encoded with `dumps`, bytes as they are, None for no body."""
        if self.body is None:
            return None
        if isinstance(self.body, (bytes, bytearray)):
            return bytes(self.body)  # a bytes body is returned itself, not copied
        return dumps(self.body)

    def target(self) -> str:
        """The request target: the path and the query string."""
        if self.query_string:
            return f"{self.path}?{self.query_string}"
        return f"{self.path}?{urlencode(self.query)}" if self.query else self.path

    def url(self, base_url: str) -> str:
        """The full URL under `base_url` (e.g. `https://generativelanguage.googleapis.com`)."""
        return base_url.rstrip("/") + self.target()


def generate_request(model: str, body: dict[str, Any], *, stream: bool) -> UpstreamRequest:
    """`generateContent`, or `streamGenerateContent?alt=sse` when streaming."""
    path = _MODEL_PATHS.get(model)
    if path is None:
        path = f"/{API_VERSION}/models/{quote(model, safe='.-_')}"
        if len(_MODEL_PATHS) < 256:  # the few models a deployment is asked for
            _MODEL_PATHS[model] = path
    if stream:
        return UpstreamRequest("POST", path + ":streamGenerateContent", (("alt", "sse"),), body, stream=True)
    return UpstreamRequest("POST", path + ":generateContent", (), body)


_MODEL_PATHS: dict[str, str] = {}
