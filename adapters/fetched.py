"""What the shells that do their I/O through the Fetch API share (Netlify's, Deno's and Bun's Pyodide
bridge; Cloudflare's Python Worker): the process's instance, a request's `Call` made from a Fetch
`Request`'s parts, fetch failures named as the core names them, and a form as the Fetch API's
`formData()` parses it turned into the core's `Form`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from adapters.logs import configure
from core.call import Call
from core.errors import ConfigError, GatewayError
from core.forms import MAX_PARTS, Form, Upload, too_many_parts
from core.instance import Instance

__all__ = ["KINDS", "call_for", "form_from_entries", "instance_from", "kind_of"]

_instance: Instance | None = None


def instance_from(read_env: Callable[[], Mapping[str, str]], platform: str,
                  encoders: frozenset[str] = frozenset({"mp3"})) -> Instance | ConfigError:
    """The process's instance, made from the first environment that holds valid settings (read only
    until then); before that, each request gets the error naming the bad variable."""
    global _instance
    if _instance is None:
        try:
            _instance = Instance.from_env(read_env(), platform=platform, encoders=encoders)
        except ConfigError as error:
            return error
        configure(_instance.settings.log_level)
    return _instance


def call_for(instance: Instance | ConfigError, method: str, url: str, headers: dict[str, str], *, token: str,
             created: int, now: float) -> Call:
    """The `Call` for a Fetch `Request` (its URL whole, its headers as a dict with lower-case names)."""
    parts = urlsplit(url)
    headers.setdefault("host", parts.netloc)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # fetch decodes gzip itself: a forwarded answer's content-encoding no longer describes it.
    return Call(instance, method, target, headers, token=token, created=created, now=now, scheme=parts.scheme, decoded=True)

# fetch's failures (the error's name, or undici's code: https://undici.nodejs.org/#/docs/api/Errors) →
# how the core names them (core.errors.TRANSPORT_KINDS). AbortSignal.timeout(REQUEST_TIMEOUT) throws TimeoutError.
KINDS = {"TimeoutError": "timeout", "UND_ERR_CONNECT_TIMEOUT": "connect_timeout"}


def kind_of(name: str) -> str:
    return KINDS.get(name, "unreachable")


def form_from_entries(entries: Iterable[Any]) -> Form | GatewayError:
    """`formData()`'s entries, in order: (name, text) or (name, filename, type, bytes)."""
    fields: dict[str, list[str]] = {}
    files: dict[str, list[Upload]] = {}
    for count, entry in enumerate(entries, 1):
        if count > MAX_PARTS:
            return too_many_parts()
        if len(entry) == 2:
            fields.setdefault(entry[0], []).append(entry[1])
            continue
        name, filename, kind, data = entry
        # The Fetch standard types a file part that declares no type as text/plain; python-multipart
        # calls it application/octet-stream, which lets the file name decide.
        kind = "application/octet-stream" if kind in ("", "text/plain") else kind
        files.setdefault(name, []).append(Upload(filename, kind, data))
    return Form(fields, files)
