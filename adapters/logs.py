"""One structured log line per request, on stderr, with every known secret blanked out."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Any

__all__ = ["configure", "log_request", "logger", "redact"]

logger = logging.getLogger("gateway")

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def configure(level: str) -> None:
    """Send `gateway` log lines to stderr at `level` (`off` silences them); idempotent."""
    global _handler
    if not logger.handlers:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(_handler)
        logger.propagate = False
    logger.disabled = level == "off"
    logger.setLevel(_LEVELS.get(level, logging.INFO))


_handler: logging.StreamHandler[Any] | None = None  # the one configure() made
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def log_request(fields: dict[str, Any], secrets: Iterable[str], *, level: int = logging.INFO) -> None:
    """Log `fields` as one JSON line. Secrets are never put in `fields`; redaction is the safety net."""
    if not logger.isEnabledFor(level):
        return
    line = redact(_encode(fields), secrets)
    handler = _handler
    if (handler is not None and logger.handlers == [handler] and not logger.propagate and not logger.filters
            and not handler.filters and level >= handler.level):
        # Only our own handler, which would write the message and a newline: write them, without the
        # LogRecord, its formatting and the stack walk (half of a request's work in the shell, measured).
        try:
            with handler.lock:  # type: ignore[union-attr]
                handler.stream.write(line + "\n")
                handler.stream.flush()
            return
        except Exception:  # a closed or broken stream: let logging report it its own way
            pass
    # makeRecord + handle is logger.log without its search of the stack for the caller's file and
    # line, which this line never shows.
    logger.handle(logger.makeRecord(logger.name, level, "gateway", 0, line, (), None))


def _encode(fields: dict[str, Any]) -> str:
    """The line's JSON: orjson's when something has loaded it (adapters/jsonfast.py), else the standard library's."""
    fast = sys.modules.get("orjson")
    if fast is not None:
        try:
            return fast.dumps(fields, default=str).decode()
        except (TypeError, ValueError):  # a lone surrogate, an integer beyond 64 bits
            pass
    return _encoder.encode(fields)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, "[redacted]")
    return text
