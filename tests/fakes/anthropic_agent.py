"""What the fake Gemini does for agents on the Anthropic side (Claude Code, the Anthropic SDKs' tool
loops): `respond` is one of the fake's responders (tests/fakes/gemini.py). What real Gemini refuses of
these clients' requests (an output limit above the model's, an unsigned Gemini 3 call, a function-
response count that does not match the calls) is in tests/fakes/strict.py.

``reply(model, body, stream, chunks)`` -> responses or None: an agent turn. When a text part of the
first user turn holds ``#fake:agent=<Tool> k=v ...`` and the request declares a function named
<Tool> (Claude Code's ``Bash``, ``Read``, ...), the model calls it with the ``k=v`` arguments
(quoted values may hold spaces); gemini-3* models sign the call (``thoughtSignature`` =
``agent-signature:<Tool>`` in base64, which ``SIGNATURE`` gives), and with ``includeThoughts`` a
thought part comes first. Once the last turn answers the call, the reply is
``Done: <Tool> said <output>`` (the functionResponse's ``output``, whitespace collapsed, at most 200
characters), streamed in ``chunks`` events.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from tests.fakes.wire import Ask

AGENT = re.compile(r"#fake:agent=([A-Za-z_][\w.-]*)(.*)", re.DOTALL)
KV = re.compile(r"(\w+)=(\"[^\"]*\"|\S+)")


def signature(tool: str) -> str:
    """The thought signature the fake gives its call of `tool` on gemini-3* models."""
    return base64.b64encode(f"agent-signature:{tool}".encode()).decode()


def respond(ask: Ask) -> list[dict] | None:
    """The responder (tests/fakes/gemini.py `FakeGemini.responders`): an agent turn, or None to pass."""
    return reply(ask.model, ask.body, ask.stream, int(ask.directives.get("chunks") or ask.chunks))


def reply(model: str, body: dict, stream: bool, chunks: int) -> list[dict] | None:
    contents = [c for c in body.get("contents") or [] if isinstance(c, dict)]
    first_user = next((c for c in contents if c.get("role", "user") == "user"), {})
    asked = next((AGENT.search(p["text"]) for p in first_user.get("parts") or []
                  if isinstance(p, dict) and isinstance(p.get("text"), str) and AGENT.search(p["text"])), None)
    if asked is None:
        return None
    tool = asked.group(1)
    declared = {d.get("name") for t in body.get("tools") or [] if isinstance(t, dict)
                for d in t.get("functionDeclarations") or [] if isinstance(d, dict)}
    if tool not in declared:
        return None
    answer = next((p["functionResponse"] for p in (contents[-1].get("parts") or [])
                   if isinstance(p, dict) and isinstance(p.get("functionResponse"), dict)
                   and p["functionResponse"].get("name") == tool), None)
    thoughts = bool(((body.get("generationConfig") or {}).get("thinkingConfig") or {}).get("includeThoughts"))
    if answer is None:
        call: dict[str, Any] = {"functionCall": {"name": tool, "args": _args(asked.group(2))}}
        if model.startswith("gemini-3"):
            call["thoughtSignature"] = signature(tool)
        groups = ([[{"text": f"**Choosing a tool**\n\nThe user wants {tool}.", "thought": True}]] if thoughts else [])
        groups.append([{"text": f"I will use {tool}."}, call])
    else:
        output = answer.get("response", {})
        said = output.get("output", output.get("error", "")) if isinstance(output, dict) else output
        text = f"Done: {tool} said {' '.join(str(said).split())[:200]}"
        pieces = max(1, chunks) if stream else 1
        size = -(-len(text) // pieces)
        groups = [[{"text": text[i:i + size]}] for i in range(0, len(text), size)]
    if not stream:
        groups = [[part for group in groups for part in group]]
    return [_response(model, group, last=index == len(groups) - 1) for index, group in enumerate(groups)]


def _response(model: str, parts: list[dict], *, last: bool) -> dict:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if last:
        candidate["finishReason"] = "STOP"
    out = sum(len(json.dumps(p)) for p in parts) // 4 + 1
    return {"candidates": [candidate], "usageMetadata": {"promptTokenCount": 50, "candidatesTokenCount": out,
                                                           "totalTokenCount": 50 + out}, "modelVersion": model}


def _args(rest: str) -> dict:
    pairs = {}
    for key, value in KV.findall(rest.split("\n", 1)[0]):
        pairs[key] = value[1:-1] if value.startswith('"') else value
    return pairs
