"""Response ids that carry what a continuation needs: the Gemini interaction and the key that holds it.

A stored response (core/stateful.py) lives in Gemini's Interactions API, in the Google project of the
key that created it; the gateway keeps nothing. Its id says where it is:

    resp_gi1_<position>_<tag>_<mode>_<interaction>

* `position` — the key's 0-based place in the call's keys (GEMINI_API_KEY's list in server mode, the
  client's comma-separated keys in pass-through), the quick way back to it;
* `tag` — the key's fingerprint (`core.keys.key_tag`: 8 hex digits of a SHA-256, never reversible),
  which finds the key again when the pool's order changed and tells a removed key from another one, so
  a continuation never goes to the wrong project;
* `mode` — `b` for a background response, `f` otherwise (Gemini's resource does not say, OpenAI's does);
* `interaction` — Gemini's interaction id, URL-safe base64 without padding (ids reach paths).

Every other id (`resp_<request id>`, a stateless answer's) is not stored anywhere.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import NamedTuple

from .errors import InvalidRequestError, NotFoundError

__all__ = ["StoredId", "item_token", "parse_response_id", "stored_id", "stored_response_id"]

PREFIX = "resp_gi1_"
_SHAPE = re.compile(r"resp_gi1_(\d{1,4})_([0-9a-f]{8})_([bf])_([A-Za-z0-9_-]{1,1400})")
_STATELESS = re.compile(r"resp_[A-Za-z0-9]{1,200}")


class StoredId(NamedTuple):
    """A stored response: Gemini's interaction id and the key (position, fingerprint) that holds it."""

    interaction: str
    position: int
    tag: str
    background: bool = False

    def response_id(self) -> str:
        return stored_response_id(self.interaction, self.position, self.tag, background=self.background)

    def token(self) -> str:
        return item_token(self.interaction)


def stored_response_id(interaction: str, position: int, tag: str, *, background: bool = False) -> str:
    """The Responses API id of interaction `interaction`, held by the key at `position` with fingerprint `tag`."""
    packed = base64.urlsafe_b64encode(interaction.encode("utf-8")).decode("ascii").rstrip("=")
    return f"{PREFIX}{position}_{tag}_{'b' if background else 'f'}_{packed}"


def parse_response_id(response_id: str) -> StoredId | None:
    """The stored response an id names, or None when the id is no stored response of this gateway's."""
    found = _SHAPE.fullmatch(response_id)
    if found is None:
        return None
    packed = found.group(4)
    try:
        interaction = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if not interaction or not interaction.isprintable():
        return None
    return StoredId(interaction, int(found.group(1)), found.group(2), found.group(3) == "b")


def stored_id(response_id: str, param: str | None = None) -> StoredId:
    """The stored response `response_id` names, or the 400/404 that says why there is none."""
    found = parse_response_id(response_id)
    if found is not None:
        return found
    if _STATELESS.fullmatch(response_id):
        raise InvalidRequestError(
            f"Response {response_id[:80]!r} was answered without state, so nothing of it was kept: this gateway "
            "stores a response (in Gemini's Interactions API) only when its request sets store: true, "
            "previous_response_id or background: true. Send the whole conversation in 'input' instead, or start "
            "the conversation with store: true.",
            param=param,
            code="response_not_stored",
        )
    raise NotFoundError(f"No response with id {response_id[:80]!r} was found: it is not an id this gateway gave out.",
                        param=param, code="not_found")


def item_token(interaction: str) -> str:
    """The token in a stored response's item ids (`msg_<token>_0`): the same every time it is read."""
    return hashlib.sha256(interaction.encode("utf-8")).hexdigest()[:24]
