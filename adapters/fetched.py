"""What the shells that do their I/O through the Fetch API share (Netlify's, Deno's and Bun's Pyodide
bridge; Cloudflare's Python Worker): fetch failures named as the core names them, and a form as
the Fetch API's `formData()` parses it turned into the core's `Form`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.errors import GatewayError
from core.forms import MAX_PARTS, Form, Upload, too_many_parts

__all__ = ["KINDS", "form_from_entries", "kind_of"]

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
