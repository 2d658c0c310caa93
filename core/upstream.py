"""What the core asks a shell to send to Gemini: method, path, query and JSON body — never the key."""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

__all__ = ["API_VERSION", "USER_AGENT", "UpstreamRequest", "generate_request"]

API_VERSION = "v1beta"
USER_AGENT = "gemini-openai-gateway"


class UpstreamRequest(NamedTuple):
    """One call to the Gemini REST API. The shell adds the base URL and the `x-goog-api-key` header."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    stream: bool = False

    def headers(self, key: str) -> dict[str, str]:
        """The request headers, with the Gemini key (which never goes in the URL or a log)."""
        headers = {"x-goog-api-key": key, "user-agent": USER_AGENT}
        if self.body is not None:
            headers["content-type"] = "application/json"
        if self.stream:
            # Compressed event streams arrive in bursts; ask for the bytes as Gemini writes them.
            headers["accept-encoding"] = "identity"
        return headers

    def target(self) -> str:
        """The request target: the path and the query string."""
        return f"{self.path}?{urlencode(self.query)}" if self.query else self.path

    def url(self, base_url: str) -> str:
        """The full URL under `base_url` (e.g. `https://generativelanguage.googleapis.com`)."""
        return base_url.rstrip("/") + self.target()


def generate_request(model: str, body: dict[str, Any], *, stream: bool) -> UpstreamRequest:
    """`generateContent`, or `streamGenerateContent?alt=sse` when streaming."""
    path = f"/{API_VERSION}/models/{quote(model, safe='.-_')}"
    if stream:
        return UpstreamRequest("POST", path + ":streamGenerateContent", (("alt", "sse"),), body, stream=True)
    return UpstreamRequest("POST", path + ":generateContent", (), body)
