"""Who may call, and with which Gemini keys.

* Pass-through (no `GEMINI_API_KEY` on the server): the client's API key *is* the Gemini key —
  `Authorization: Bearer <key>`, `x-goog-api-key: <key>`, `x-api-key: <key>` (Anthropic's SDKs and
  Claude Code's ANTHROPIC_API_KEY) or `?key=<key>`. Several comma-separated keys form a pool.
* Server-held keys (`GEMINI_API_KEY` set): the client presents one of the `AUTH_TOKEN` values in
  the same places; the server's keys are used and the token never goes upstream. Without any
  `AUTH_TOKEN` the gateway refuses every request rather than relay its owner's keys to anyone.
"""

from __future__ import annotations

from collections.abc import Mapping

from .config import Settings, check_key_modes, is_header_safe
from .errors import AuthenticationError

__all__ = ["presented_credential", "upstream_keys"]

_UNREAD: str = "\0unread"  # upstream_keys' default: read the credential from the headers


def presented_credential(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The API key or token a client sent (`headers` with lower-case names)."""
    authorization = headers.get("authorization", "").strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer":
            return value.strip() or None
        if not value:
            return authorization  # a bare key without a scheme
    for given in (headers.get("x-goog-api-key"), headers.get("x-api-key"), headers.get("api-key"), query.get("key")):
        if given and given.strip():
            return given.strip()
    return None


def upstream_keys(headers: Mapping[str, str], query: Mapping[str, str], settings: Settings, *,
                  presented: str | None = _UNREAD) -> tuple[str, ...]:
    """The Gemini keys this request may use, in configured order; raises 401 (or a config error).
    `presented`: the credential, when the caller has read it already (`presented_credential`)."""
    if presented is _UNREAD:
        presented = presented_credential(headers, query)
    if settings.server_keys:
        check_key_modes(settings)  # keys without tokens: the configuration error, on every request
        if presented is None or not _matches_any(presented, settings.auth_tokens):
            raise AuthenticationError(
                "Invalid or missing token: send one of this gateway's AUTH_TOKEN values as the API key "
                "(Authorization: Bearer <token>)."
            )
        return settings.api_keys
    if presented and "," not in presented:
        keys: tuple[str, ...] = (presented,)  # one key (presented_credential stripped it): no pool to split
    else:
        keys = tuple(dict.fromkeys(key.strip() for key in (presented or "").split(",") if key.strip()))
    if not keys:
        raise AuthenticationError(
            "Missing API key: send your Gemini API key as the API key (Authorization: Bearer <key>); "
            "several comma-separated keys are used as a pool."
        )
    if not all(is_header_safe(key) for key in keys):
        raise AuthenticationError(
            "The API key contains characters an HTTP header cannot carry (a key is printable ASCII "
            "without spaces): check what was pasted."
        )
    return keys


def _matches_any(presented: str, tokens: tuple[str, ...]) -> bool:
    """Constant-time comparison against every token, so timing reveals neither token nor position."""
    import hmac  # only server-key deployments compare tokens; the import loads OpenSSL's hashlib

    given = presented.encode("utf-8")
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(given, token.encode("utf-8"))
    return matched
