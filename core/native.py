"""Gemini's own REST API, forwarded: for clients that speak it (the google-genai SDKs, Cherry
Studio's Gemini provider) and need a way to Gemini from where Google does not serve.

Method, path, query and body go upstream as they came — the path and query in the client's own
percent-encoding — and only the key changes hands. In pass-through mode the client's
`x-goog-api-key` (or `?key=`, or a Bearer token) is the Gemini key; with server keys the client
shows an AUTH_TOKEN there and a pool key goes upstream instead. The key never rides in the
upstream URL: `?key=` is taken out of the query and sent as the header.

With server keys, a token holder reaches what calling models needs (`NATIVE_API=models`, the
default): listing and calling models, the operations a model call starts, and the Files API's
uploads with the files they name. The project's file list, cached contents, tuned models and
batches — everything of the key owner's that others could browse — need `NATIVE_API=all`.

The Files API's resumable upload answers its first request with the URL the client must send the
bytes to (`x-goog-upload-url`, on Google's host). It is rewritten to point at this gateway; the
requests that follow carry no key (the SDKs send none there), so with server keys the rewritten
URL carries a signature over the upload id (`gateway_upload`), keyed by the deployment's secrets:
only an upload this gateway started for a token holder can continue without the token, and only on
the resumable protocol's own path and method.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

from .errors import GatewayError, InvalidRequestError, PermissionDeniedError
from .jsontext import dumps_bytes
from .models import validate_model_id
from .upstream import UpstreamRequest

__all__ = [
    "NativePlan",
    "native_error_event",
    "native_error_headers",
    "native_request",
    "native_response_headers",
    "public_origin",
    "upload_secret",
]

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
_VERSION = r"/(?:v1beta|v1)"
# What NATIVE_API=models lets a token holder reach: (method, path pattern). Model calls and lists;
# a model call's operation (Veo's predictLongRunning answers one to poll); the upload a caller starts;
# a file by its name (an unguessable id the upload answered with: the SDKs wait on it until ACTIVE).
_MODEL_SCOPE = tuple((method, re.compile(pattern)) for method, pattern in (
    ("GET", rf"{_VERSION}/models"),
    ("GET", rf"{_VERSION}/models/[^/:]+"),
    ("POST", rf"{_VERSION}/models/[^/:]+:[A-Za-z]+"),
    ("GET", rf"{_VERSION}/models/[^/:]+/operations/[^/:]+"),
    ("POST", rf"/upload{_VERSION}/files"),
    ("GET", rf"{_VERSION}/files/[^/:]+"),
    ("DELETE", rf"{_VERSION}/files/[^/:]+"),
))
# The resumable protocol's continuation: one path, POST, and these commands
# (https://ai.google.dev/api/files#method:-media.upload; the SDKs' `upload`, `upload, finalize`, `query`).
_UPLOAD_PATH = re.compile(rf"/upload{_VERSION}/files")
_UPLOAD_COMMANDS = frozenset({"upload", "finalize", "query", "cancel"})
_SIGNATURE = "gateway_upload"
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"|\[[0-9A-Fa-f:.]+\]")
# The path characters sent as they are; anything else (a space, a non-ASCII byte) is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


class NativePlan(NamedTuple):
    """One forwarded call: the upstream request, the model it names (for the log), and whether it
    needs a key (an upload's continuation does not)."""

    request: UpstreamRequest
    model: str | None
    needs_key: bool = True

    def with_body(self, body: bytes) -> NativePlan:
        """The plan carrying the request body (none at all for a bodiless GET or DELETE)."""
        if not body and self.request.method not in ("POST", "PATCH", "PUT"):
            return self
        return self._replace(request=self.request._replace(body=body))


def native_request(method: str, path: str, query: str, headers: Mapping[str, str], *, raw_path: str | None = None,
                   scope: str | None = None, secret: bytes | None = None) -> NativePlan:
    """The upstream call for a native request (`headers` with lower-case names); its body comes
    next (`with_body`), once the shell has checked the key and read it.

    `path` is decoded (what the checks read); `raw_path` and `query` are as the client encoded them
    (what goes upstream). With server keys, `scope` is NATIVE_API and `secret` signs uploads."""
    method = method.upper()
    _check_path(path)
    pairs = _query_pairs(query)
    names = {name for name, _ in pairs}
    forward = tuple((name, value) for name, value in headers.items()
                    if name in _FORWARDED or name.startswith(_FORWARDED_PREFIX))
    stream = path.endswith(":streamGenerateContent") or ("alt", "sse") in pairs
    continues = "upload_id" in names and "start" not in headers.get("x-goog-upload-command", "").lower()
    if continues:
        _check_continuation(method, path, pairs, headers, secret)
    elif scope == "models" and not any(m == method and p.fullmatch(path) for m, p in _MODEL_SCOPE):
        raise PermissionDeniedError(
            f"{method} {path[:100]} is not open to this gateway's token holders: they may list and call models and "
            "upload files (NATIVE_API=models). The deployment's owner can set NATIVE_API=all to open the rest of "
            "Gemini's API (the project's files, cached contents, tuned models, batches).",
            code="native_api_scope",
        )
    found = _MODEL.search(path)
    model = validate_model_id(found.group(1)) if found else None
    kept = "&".join(item for item, (name, _) in zip(_query_items(query), pairs, strict=True) if name not in ("key", _SIGNATURE))
    target_path = quote(raw_path if raw_path is not None else path, safe=_PATH_SAFE)
    request = UpstreamRequest(method, target_path, stream=stream, forward=forward, query_string=kept)
    return NativePlan(request, model, needs_key=not continues)


def upload_secret(api_keys: Iterable[str], auth_tokens: Iterable[str]) -> bytes:
    """The key that signs upload URLs: derived from every server key and token, so it is the same on
    every instance of one deployment and changes when they do."""
    import hashlib  # only server-key deployments sign uploads

    material = "\0".join(("gateway-upload-v1", *api_keys, "\1", *auth_tokens))
    return hashlib.sha256(material.encode("utf-8")).digest()


def native_response_headers(headers: Iterable[tuple[str, str]], base_url: str, origin: str, *,
                            secret: bytes | None = None, decoded: bool = False) -> list[tuple[str, str]]:
    """Gemini's response headers for the client: hop-by-hop ones dropped, an upload URL pointed at
    this gateway (`origin`: how the client reached us) and signed with `secret` (server keys).
    `decoded`: the shell's HTTP client has decoded the body, so its content-encoding is gone too."""
    kept = []
    for name, value in headers:
        name = name.lower()
        if name in _DROPPED or (decoded and name == "content-encoding"):
            continue
        if name == "x-goog-upload-url":
            value = _rebase(value, base_url, origin, secret)
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


def public_origin(headers: Mapping[str, str], scheme: str, public_url: str | None = None) -> str:
    """`scheme://host[:port]` as the client sees this gateway, behind the platforms' proxies too:
    PUBLIC_URL when set, else the forwarded or Host header — only if it is a plain `host[:port]`."""
    if public_url:
        return public_url
    host = "localhost"
    for candidate in (headers.get("x-forwarded-host"), headers.get("host")):
        value = (candidate or "").split(",")[0].strip()
        if value and _valid_host(value):
            host = value
            break
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return f"{forwarded if forwarded in ('http', 'https') else scheme}://{host}"


def _valid_host(value: str) -> bool:
    """`host`, `host:port` or `[v6]:port`, as RFC 9110 §7.2 allows a Host header to be, and nothing more."""
    host, colon, port = value, "", ""
    if value.startswith("["):
        end = value.find("]") + 1
        host, rest = value[:end], value[end:]
        if rest:
            colon, port = rest[:1], rest[1:]
            if colon != ":":
                return False
    elif ":" in value:
        host, colon, port = value.rpartition(":")
    if colon and not (port.isdigit() and port.isascii() and 0 < int(port) < 65536):
        return False
    return len(host) <= 253 and bool(_HOST.fullmatch(host))


def _check_path(path: str) -> None:
    """The path as given, unless it could step outside the API (`..`) or carries odd characters."""
    if any(segment in (".", "..") for segment in path.split("/")) or any(c in path for c in "\\#? ") or not path.isprintable():
        raise InvalidRequestError(f"Not a Gemini API path: {path[:100]!r}.")


def _query_items(query: str) -> list[str]:
    return [item for item in query.split("&") if item] if query else []


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """The query's (name, value) pairs, decoded for reading (the query goes upstream as it came)."""
    pairs = []
    for item in _query_items(query):
        name, _, value = item.partition("=")
        try:
            pairs.append((unquote(name.replace("+", " "), errors="strict"), unquote(value.replace("+", " "), errors="strict")))
        except UnicodeDecodeError:
            raise InvalidRequestError("The query string is not valid percent-encoded UTF-8.") from None
        if not (pairs[-1][0] + pairs[-1][1]).isprintable():
            raise InvalidRequestError("The query string holds control characters.")
    return pairs


def _check_continuation(method: str, path: str, pairs: list[tuple[str, str]], headers: Mapping[str, str],
                        secret: bytes | None) -> None:
    """An upload's keyless continuation: the protocol's own path, method and commands; with server
    keys, also the signature this gateway put in the upload URL it handed out."""
    commands = {part.strip() for part in headers.get("x-goog-upload-command", "").lower().split(",") if part.strip()}
    if method != "POST" or not _UPLOAD_PATH.fullmatch(path) or not commands or not commands <= _UPLOAD_COMMANDS:
        raise PermissionDeniedError("Only a resumable upload's own requests (POST to the upload URL, with an "
                                    "X-Goog-Upload-Command) may be sent without a key.", code="upload_refused")
    if secret is None:
        return
    import hmac

    values = dict(pairs)
    expected = _sign(values.get("upload_id", ""), secret)
    if not hmac.compare_digest(values.get(_SIGNATURE, "").encode("utf-8"), expected.encode("utf-8")):
        raise PermissionDeniedError("This upload URL was not issued by this gateway (its signature is missing or "
                                    "wrong): start the upload again with your token.", code="upload_refused")


def _sign(upload_id: str, secret: bytes) -> str:
    import hashlib
    import hmac

    return hmac.new(secret, upload_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _rebase(url: str, base_url: str, origin: str, secret: bytes | None) -> str:
    """`url` (on Gemini's host, or under GEMINI_BASE_URL) moved to the same path under `origin`, signed."""
    base = base_url.rstrip("/")
    if url.startswith(base + "/"):
        rest = url[len(base):]
    else:
        parts = urlsplit(url)
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
    if secret is not None:
        upload_id = dict(_query_pairs(urlsplit(rest).query)).get("upload_id")
        if upload_id:
            rest += ("&" if "?" in rest else "?") + f"{_SIGNATURE}={_sign(upload_id, secret)}"
    return origin.rstrip("/") + rest
