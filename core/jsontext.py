"""JSON in and out: strict parsing of what clients send, compact encoding of what we answer."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from .errors import InvalidRequestError

__all__ = ["MAX_DEPTH", "STDLIB", "Codec", "dumps", "dumps_bytes", "loads_client_json", "parse_request_body"]

# Deep enough for any real request; shallow enough that nothing downstream hits Python's recursion limit.
MAX_DEPTH = 200

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_decoder = json.JSONDecoder(parse_constant=lambda name: _reject_constant(name), parse_float=lambda text: _finite(text))
# A `\uD800`-`\uDFFF` escape: JSON allows one alone, but no UTF-8 text can hold the character it makes.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# A shell's strict_loads (orjson) reads an integer beyond 64 bits as a float, where the standard library
# keeps it exact: a body with 19 digits in a row goes the standard library's way. Finding them costs
# about as much per byte as the parse saves (a regular expression costs ten times more), so only bodies
# up to _FAST_LIMIT, where the standard library's fixed costs dominate, are tried (measured 2026-12:
# 1.4 µs against 3.1 µs for a one-line chat, even at 8 KiB).
_DIGITS_AS_ZERO = bytes(48 if 48 <= byte <= 57 else byte for byte in range(256))
_LONG_DIGITS = b"0" * 19
_FAST_LIMIT = 4096


def dumps(value: Any) -> str:
    """Compact JSON text (UTF-8 characters kept as they are)."""
    return _encoder.encode(value)


def dumps_bytes(value: Any) -> bytes:
    # A lone surrogate from upstream (clients' are refused on the way in) becomes "?" rather than an error.
    return _encoder.encode(value).encode("utf-8", "replace")


class Codec(NamedTuple):
    """How a stream translator reads Gemini's events and writes OpenAI's: the standard library's
    json by default; a shell may pass a faster one (the core itself imports nothing else).

    `strict_loads`, if given, parses a client's body first: it must raise ValueError for anything
    but plain JSON (NaN, Infinity, lone surrogates, invalid UTF-8), which then goes through the
    standard library's parser to be refused in its own words."""

    loads: Callable[[bytes], Any]
    dumps: Callable[[Any], bytes]
    strict_loads: Callable[[bytes], Any] | None = None


STDLIB = Codec(json.loads, dumps_bytes)


def parse_request_body(raw: bytes | str, strict_loads: Callable[[bytes], Any] | None = None) -> dict[str, Any]:
    """The JSON object a client sent as a request body; anything else is a 400. `strict_loads`: see Codec."""
    if not raw or not raw.strip():
        raise InvalidRequestError("The request body is empty; expected a JSON object.", code="invalid_json")
    value = _fast(raw, strict_loads) if strict_loads is not None and isinstance(raw, bytes) and len(raw) <= _FAST_LIMIT else None
    if value is None:
        value = loads_client_json(raw, "body")
    if not isinstance(value, dict):
        raise InvalidRequestError("The request body must be a JSON object.", code="invalid_json")
    return value


def loads_client_json(text: bytes | str, param: str) -> Any:
    """Parse JSON a client wrote (a body, tool arguments): no NaN/Infinity, bounded nesting."""
    try:
        if isinstance(text, (bytes, bytearray)):
            text = text.decode("utf-8")
        value = _decoder.decode(text)
    except InvalidRequestError:
        raise
    except UnicodeDecodeError:
        raise InvalidRequestError(f"'{param}' is not valid UTF-8.", param=_param(param), code="invalid_json") from None
    except RecursionError:
        raise _too_deep(param) from None
    except ValueError as exc:
        raise InvalidRequestError(f"'{param}' is not valid JSON: {exc}.", param=_param(param), code="invalid_json") from None
    if _too_deeply_nested(text, value):
        raise _too_deep(param)
    if "\\u" in text and _has_lone_surrogate(text, value):
        raise InvalidRequestError(f"'{param}' holds a lone UTF-16 surrogate escape (such as \\ud800), which is no "
                                  "character: send valid Unicode text.", param=_param(param), code="invalid_json")
    return value


def _fast(raw: bytes, strict_loads: Callable[[bytes], Any]) -> Any:
    """What a strict parser makes of a body, or None: it refused (the standard library words why), or the
    body may hold what it reads differently (a long integer) or is nested deeper than allowed."""
    if _LONG_DIGITS in raw.translate(_DIGITS_AS_ZERO):
        return None
    try:
        value = strict_loads(raw)
    except ValueError:
        return None
    if _too_deeply_nested(raw, value):
        return None
    return value


def _too_deeply_nested(text: str | bytes, value: Any) -> bool:
    """Whether `value`, parsed from `text`, nests more than MAX_DEPTH levels. Nesting needs an opening
    bracket per level: a text with no more than MAX_DEPTH of them (a short one has fewer) needs no walk."""
    if not isinstance(value, (dict, list)) or len(text) <= MAX_DEPTH:
        return False
    if isinstance(text, bytes):
        brackets = text.count(b"{") + text.count(b"[")
    else:
        brackets = text.count("{") + text.count("[")
    return brackets > MAX_DEPTH and not _within_depth(value)


def _has_lone_surrogate(text: str, value: Any) -> bool:
    """Whether parsing `text` left a lone surrogate in some string (paired escapes make one character)."""
    if not _SURROGATE_ESCAPE.search(text.encode("utf-8", "surrogatepass")):
        return False
    try:
        _encoder.encode(value).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _within_depth(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return True


def _reject_constant(name: str) -> Any:
    raise InvalidRequestError(f"{name} is not valid JSON; send numbers as finite values.", code="invalid_json")


def _finite(text: str) -> float:
    """A JSON number as a float; one beyond a double's range (1e400) would be infinity, which no JSON
    encoder writes back (Gemini's protobuf parser refuses it too): a 400 rather than a surprise later."""
    value = float(text)
    if value in (_INFINITY, -_INFINITY):
        raise InvalidRequestError(f"The number {text[:40]} is beyond the range of a 64-bit float; send finite values.",
                                  code="invalid_json")
    return value


_INFINITY = float("inf")


def _too_deep(param: str) -> InvalidRequestError:
    return InvalidRequestError(f"'{param}' is nested more than {MAX_DEPTH} levels deep.", param=_param(param), code="invalid_json")


def _param(param: str) -> str | None:
    return None if param == "body" else param
