"""The page a browser gets at `GET /`: content negotiation, the HTML filled in, and its security headers.

`curl`, SDKs and health checks send `Accept: */*` (or nothing) and keep getting the plain text of
`core.routing.landing_page`; a browser prefers `text/html` and gets one self-contained page
(`core.landing_page`, `core.landing_script`): no external fonts, scripts or images, so it works
offline and from mainland China. The server writes only the platform, the key mode and the default
model into it — never a key or token; everything else the page learns by calling the gateway with
the key its reader types.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache

from .config import Settings
from .landing_page import FAVICON, MARKUP, STYLE
from .landing_script import SCRIPT

__all__ = ["CONTENT_SECURITY_POLICY", "HTML_HEADERS", "TEXT_HEADERS", "html_page", "prefers_html"]

# The media types `GET /` can answer with; a tie goes to text, what every client but a browser gets today.
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPE = "text/plain"
_PLACEHOLDER = re.compile(r"__(FAVICON|STYLE|CONFIG|SCRIPT)__")


def _compact(text: str) -> str:
    """The lines without their indentation, blank lines or whole-line `//` comments: the same program
    (no string or template literal in them spans lines), in fewer bytes."""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("// "))


_SCRIPT, _STYLE = _compact(SCRIPT), _compact(STYLE)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


# The script and style are constants, so their hashes are too (CSP Level 2 hash sources:
# https://www.w3.org/TR/CSP2/#script-src-hash-usage). The configuration rides in a
# `<script type="application/json">`, which is data, not script, and needs no source. `connect-src
# 'self'`: the page calls this gateway and nothing else; `img-src data:`: the inline favicon.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    f"script-src {_sha256(_SCRIPT)}",
    f"style-src {_sha256(_STYLE)}",
    "connect-src 'self'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])

# No CORS headers on the page: it is not an API answer that another site's script needs to read.
# `Vary: Accept` on both answers, so no cache hands a browser's HTML to curl or the reverse.
HTML_HEADERS = [
    ("content-type", "text/html; charset=utf-8"),
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-cache"),
    ("vary", "Accept"),
]
TEXT_HEADERS = [("content-type", "text/plain; charset=utf-8"), ("vary", "Accept")]


def prefers_html(accept: str) -> bool:
    """Whether an `Accept` header ranks HTML above plain text (RFC 9110 §12.5.1: the most specific range wins)."""
    accept = accept.lower()
    if "html" not in accept:
        return False  # `*/*`, none, `application/json`: today's text
    ranges = _ranges(accept)
    return max(_quality(ranges, kind) for kind in _HTML_TYPES) > _quality(ranges, _TEXT_TYPE)


def html_page(settings: Settings, platform: str) -> bytes:
    """The page, with this deployment's platform, key mode and default model written into its configuration."""
    return _page(platform or "local", "server" if settings.server_keys else "pass-through", settings.default_model)


@lru_cache(maxsize=8)  # one process serves one deployment: the same few bytes every time
def _page(platform: str, mode: str, model: str) -> bytes:
    config = {"platform": platform, "mode": mode, "model": model}
    parts = {"FAVICON": FAVICON, "STYLE": _STYLE, "CONFIG": _script_json(config), "SCRIPT": _SCRIPT}
    # One pass: nothing filled in is searched again for a placeholder.
    return _PLACEHOLDER.sub(lambda match: parts[match.group(1)], MARKUP).encode("utf-8")


def _script_json(value: object) -> str:
    """JSON that cannot end the `<script>` element it sits in, whatever its strings hold
    (https://html.spec.whatwg.org/multipage/scripting.html#restrictions-for-contents-of-script-elements)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media, quality))
    return ranges


def _quality(ranges: list[tuple[str, float]], media: str) -> float:
    """The quality of `media` under the most specific range that matches it (0 when none does)."""
    kind = media.split("/")[0] + "/*"
    best, quality = -1, 0.0
    for candidate, q in ranges:
        rank = 2 if candidate == media else 1 if candidate == kind else 0 if candidate == "*/*" else -1
        if rank > best:
            best, quality = rank, q
    return quality
