"""JSON for the shell's hot path: orjson where it is installed, the standard library otherwise.

The core is standard-library only (it also runs under Pyodide); the shell encodes the bodies it
sends and parses Gemini's answers, where orjson saves about 15 µs of a request's 300. It is
imported on first use, not at start (14 ms of a cold start), and anything it refuses — an integer
beyond 64 bits, say — goes through the standard library instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from core.jsontext import Codec
from core.jsontext import dumps_bytes as _stdlib_dumps

__all__ = ["CODEC", "dumps", "loads", "strict_loads"]

def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, as core.jsontext.dumps_bytes writes it."""
    try:
        return _dumps(value)
    except (TypeError, ValueError):
        return _stdlib_dumps(value)


def loads(data: bytes) -> Any:
    """Parse JSON; raises ValueError (json.JSONDecodeError) when it is not JSON."""
    try:
        return _loads(data)
    except ValueError:  # orjson's error subclasses ValueError; let the standard library judge and word it
        return json.loads(data)


def strict_loads(data: bytes) -> Any:
    """orjson's parser, which refuses NaN, Infinity, lone surrogates and invalid UTF-8 (core.jsontext.Codec);
    without orjson, a ValueError: the standard library's strict path then parses."""
    return _strict(data)


def _first_dumps(value: Any) -> bytes:
    _load()
    return _dumps(value)


def _first_loads(data: bytes) -> Any:
    _load()
    return _loads(data)


def _first_strict(data: bytes) -> Any:
    _load()
    return _strict(data)


def _unavailable(data: bytes) -> Any:
    raise ValueError("orjson is not installed")


# orjson's own functions once the first call has imported it (the standard library's without it): the
# wrappers above then cost one frame each, which matters for a stream's every event.
_dumps: Callable[[Any], bytes] = _first_dumps
_loads: Callable[[bytes], Any] = _first_loads
_strict: Callable[[bytes], Any] = _first_strict


def _load() -> None:
    global _dumps, _loads, _strict
    try:
        import orjson
    except ImportError:
        _dumps, _loads, _strict = _stdlib_dumps, json.loads, _unavailable
    else:
        _dumps, _loads, _strict = orjson.dumps, orjson.loads, orjson.loads


CODEC = Codec(loads, dumps, strict_loads)  # for the core's stream translators
