"""Gemini thought signatures, carried through OpenAI clients that know nothing about them.

Gemini 3 signs the first function call of every step and rejects a history whose calls come back
unsigned (https://ai.google.dev/gemini-api/docs/thought-signatures). A signature travels two ways:

* in `extra_content.google.thought_signature`, as Google's own OpenAI endpoint sends it (on the
  tool call, and on the message or delta for text);
* inside the tool-call id, `<id>__thought__<signature>` (LiteLLM's convention), because every
  client sends tool-call ids back verbatim even when it drops unknown fields. Gemini's server-side
  tool parts that came before the call ride there too, `<id>__server__<packed>__thought__<signature>`
  (core/server_tools.py).

Where a client keeps the signature in an opaque field of its own (a Responses API reasoning item's
`encrypted_content`, an Anthropic `thinking` block's `signature`), it is marked as ours, so that
another provider's blob (a client that switched models mid-conversation) is never sent to Gemini.

History the model never signed (hand-built, or from another model) gets the documented dummy
signature on the first call of each step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "DUMMY_SIGNATURE",
    "extra_content",
    "join_tool_call_id",
    "mark_signature",
    "server_of_tool_call_id",
    "signature_from_extra",
    "split_tool_call_id",
    "unmark_signature",
]

SEPARATOR = "__thought__"
SERVER_SEPARATOR = "__server__"
# "you can set ... `skip_thought_signature_validator` in the thought signature field to skip
# validation" — thought-signatures FAQ.
DUMMY_SIGNATURE = "skip_thought_signature_validator"
MARK = "gemini.thought_signature:"


def join_tool_call_id(call_id: str, signature: str | None, server: str | None = None) -> str:
    """The tool-call id a client sees: the call id, plus packed server-side tool parts and the signature."""
    if server:
        call_id = f"{call_id}{SERVER_SEPARATOR}{server}"
    return f"{call_id}{SEPARATOR}{signature}" if signature else call_id


def split_tool_call_id(tool_call_id: str) -> tuple[str, str | None]:
    """(call id, signature or None) from an id made by `join_tool_call_id`."""
    call_id, sep, found = tool_call_id.partition(SEPARATOR)
    signature: str | None = found
    if not (sep and found):
        call_id, signature = tool_call_id, None
    return call_id.partition(SERVER_SEPARATOR)[0] or call_id, signature


def server_of_tool_call_id(tool_call_id: str) -> str | None:
    """The packed server-side tool parts inside an id made by `join_tool_call_id`, or None."""
    head = tool_call_id.partition(SEPARATOR)[0]
    _, sep, server = head.partition(SERVER_SEPARATOR)
    return server if sep and server else None


def extra_content(signature: str) -> dict[str, Any]:
    """Google's OpenAI-compatible carrier for a signature."""
    return {"google": {"thought_signature": signature}}


def signature_from_extra(obj: Mapping[str, Any]) -> str | None:
    """The signature in `obj["extra_content"]["google"]["thought_signature"]`, if well-formed."""
    extra = obj.get("extra_content")
    google = extra.get("google") if isinstance(extra, dict) else None
    signature = google.get("thought_signature") if isinstance(google, dict) else None
    return signature if isinstance(signature, str) and signature else None


def mark_signature(signature: str) -> str:
    """A signature as it travels in a client's opaque field."""
    return MARK + signature


def unmark_signature(value: Any) -> str | None:
    """The signature in a value `mark_signature` made, else None (another provider's, or nothing)."""
    if isinstance(value, str) and value.startswith(MARK) and len(value) > len(MARK):
        return value[len(MARK):]
    return None
