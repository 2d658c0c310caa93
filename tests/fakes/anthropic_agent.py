"""What the fake Gemini does for agents on the Anthropic side (Claude Code, the Anthropic SDKs' tool
loops), hooked into tests/fakes/gemini.py by two marked lines.

``refusal(model, body)`` -> (status, error body) or None: what real Gemini refuses that these
clients' requests come close to, each rule with its source:
  * ``maxOutputTokens`` above the model's output limit (65536 from Gemini 2.5 on, 8192 before):
    "Unable to submit request because it has a maxOutputTokens value of 65536 but the supported
    range is from 1 (inclusive) to 65536 (exclusive)" (BerriAI/litellm#10548, Vertex; the same
    check on the Gemini API: stackblitz-labs/bolt.diy#955). Claude Code asks for 128000.
  * gemini-3*: a model turn in the current turn (after the last user turn with more than
    functionResponse parts) whose first functionCall has no ``thoughtSignature``: "Function call is
    missing a thought_signature in functionCall parts" (ai.google.dev/gemini-api/docs/thought-signatures).
  * a model turn with N functionCall parts followed by a user turn with another number of
    functionResponse parts: "Please ensure that the number of function response parts is equal to
    the number of function call parts of the function call turn." (google-gemini/gemini-cli#5443).

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

AGENT = re.compile(r"#fake:agent=([A-Za-z_][\w.-]*)(.*)", re.DOTALL)
KV = re.compile(r"(\w+)=(\"[^\"]*\"|\S+)")
_GEMINI_VERSION = re.compile(r"gemini-(\d+)(?:\.(\d+))?-")


def signature(tool: str) -> str:
    """The thought signature the fake gives its call of `tool` on gemini-3* models."""
    return base64.b64encode(f"agent-signature:{tool}".encode()).decode()


def refusal(model: str, body: dict) -> tuple[int, dict] | None:
    from tests.fakes.gemini import error_body

    config = body.get("generationConfig") or {}
    limit = _output_limit(model)
    asked = config.get("maxOutputTokens")
    if isinstance(asked, int) and asked > limit:
        return 400, error_body(400, f"Unable to submit request because it has a maxOutputTokens value of {asked} but the "
                                    f"supported range is from 1 (inclusive) to {limit + 1} (exclusive). Update the value "
                                    "and try again.")
    contents = [c for c in body.get("contents") or [] if isinstance(c, dict)]
    for before, after in zip(contents, contents[1:]):
        calls = _count(before, "functionCall") if before.get("role") == "model" else 0
        answers = _count(after, "functionResponse")
        if calls and answers and calls != answers:
            return 400, error_body(400, "Please ensure that the number of function response parts is equal to the number "
                                        "of function call parts of the function call turn.")
    if model.startswith("gemini-3"):
        for position, content in enumerate(_current_turn(contents)):
            first = next((p for p in content.get("parts") or [] if isinstance(p, dict) and "functionCall" in p), None)
            if content.get("role") == "model" and first is not None and not first.get("thoughtSignature"):
                name = first["functionCall"].get("name")
                return 400, error_body(400, "Function call is missing a thought_signature in functionCall parts. This is "
                                            "required for tools to work correctly, and missing thought_signature may lead "
                                            f"to degraded model performance. Additional data, function call `default_api:"
                                            f"{name}`, position {position + 1}. Please refer to "
                                            "https://ai.google.dev/gemini-api/docs/thought-signatures for more details.")
    return None


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


def _count(content: dict, kind: str) -> int:
    return sum(1 for p in content.get("parts") or [] if isinstance(p, dict) and kind in p)


def _current_turn(contents: list[dict]) -> list[dict]:
    """Everything after the last user turn with more than functionResponse parts (the thought-signatures doc)."""
    start = 0
    for index, content in enumerate(contents):
        parts = [p for p in content.get("parts") or [] if isinstance(p, dict)]
        if content.get("role", "user") == "user" and any("functionResponse" not in p for p in parts):
            start = index + 1
    return contents[start:]


def _output_limit(model: str) -> int:
    match = _GEMINI_VERSION.match(model)
    version = (int(match.group(1)), int(match.group(2) or 0)) if match else None
    return 65536 if (version and version >= (2, 5)) or model.endswith("-latest") else 8192
