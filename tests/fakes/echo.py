"""The fake Gemini's default text answer: an echo of the question, function calls on request,
``#fake:`` directives (see tests/fakes/gemini.py's docstring for the contract)."""
from __future__ import annotations

import itertools
import json
import re
from typing import Any

from tests.fakes import agents
from tests.fakes.catalog import generation
from tests.fakes.wire import Ask, tok

__all__ = ["parse_directives", "text_reply"]

DIRECTIVE = re.compile(r"\s*#fake:(\w+)(?:=(\S+))?")
CALL = re.compile(r"\bcall\s+([A-Za-z_][\w.-]*)")
KV = re.compile(r"(\w+)=(\"[^\"]*\"|\S+)")


def parse_directives(text: str) -> tuple[str, dict[str, str]]:
    """Split ``#fake:`` directives out of ``text`` -> (clean text, {name: value})."""
    found = {m.group(1): m.group(2) or "1" for m in DIRECTIVE.finditer(text)}
    return DIRECTIVE.sub("", text).strip(), found


def num(d: dict, name: str, default: float = 0.0) -> float:
    """Directive ``name`` as a number, ``default`` when absent or not a number."""
    try:
        return float(d.get(name, default))
    except ValueError:
        return default


def _split(text: str, n: int) -> list[str]:
    size, extra = divmod(len(text), n)
    bounds = list(itertools.accumulate([0] + [size + (i < extra) for i in range(n)]))
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def _args(rest: str) -> dict:
    start = rest.find("{")
    if start >= 0:
        try:
            obj = json.JSONDecoder().raw_decode(rest[start:])[0]
            if isinstance(obj, dict):
                return obj
        except ValueError:
            pass
    pairs = {}
    for k, v in KV.findall(rest):
        try:
            pairs[k] = json.loads(v)
        except ValueError:
            pairs[k] = v
    return pairs or {"city": "Paris"}


def _has_functions(body: dict) -> bool:
    return any(isinstance(t, dict) and (t.get("functionDeclarations") or t.get("function_declarations"))
               for t in body.get("tools") or [])


def text_reply(ask: Ask) -> list[dict]:
    """The GenerateContentResponse(s): one for non-stream, one per chunk for streams."""
    d, text, contents = ask.directives, ask.text, ask.contents
    base = {"modelVersion": ask.model, "responseId": ask.response_id}
    prompt = ask.prompt_tokens
    if "block" in d:
        return [{"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
            {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}]},
            "usageMetadata": {"promptTokenCount": prompt, "totalTokenCount": prompt}, **base}]
    last_parts = (contents[-1].get("parts") or []) if isinstance(contents[-1], dict) else []
    fn_resps = [p["functionResponse"] for p in last_parts if isinstance(p, dict) and "functionResponse" in p]
    fn_only = bool(last_parts) and len(fn_resps) == len(last_parts)
    calls = agents.declared_calls(ask.body, CALL.finditer(text)) if _has_functions(ask.body) else []  # agents: declared tools only
    n = max(1, int(num(d, "chunks", ask.chunks)))
    if fn_only:
        reply = "result: " + json.dumps((fn_resps[0] or {}).get("response"))
    else:
        reply = f"echo: {text}"
    if calls and not fn_only:
        parts: list[dict[str, Any]] = [{"functionCall": {"name": m.group(1), "args": _args(
            text[m.end():calls[i + 1].start() if i + 1 < len(calls) else None])}}
            for i, m in enumerate(calls)]
        # Gemini 3 signs the first functionCall part of each step (ai.google.dev/gemini-api/docs/thought-signatures)
        if generation(ask.model) >= (3, 0):
            parts[0]["thoughtSignature"] = agents.signature(text)
        groups = [parts]
    else:
        groups = [[{"text": p}] for p in _split(reply.ljust(n, "."), n if ask.stream else 1)]
    groups = agents.server_side(ask.model, ask.body, groups, text, not fn_only)  # agents: built-in tool parts
    if "thinking" in d:
        groups.insert(0, [{"text": f"**Thinking** about: {text}", "thought": True}])
    if not ask.stream:
        groups = [[p for g in groups for p in g]]
    out, cand_chars, thought_chars = [], 0, 0
    for i, parts in enumerate(groups):
        for p in parts:
            if p.get("thought"):
                thought_chars += len(p["text"])
            else:
                cand_chars += len(p["text"]) if "text" in p else len(json.dumps(p.get("functionCall", p)))
        cand: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if i == len(groups) - 1:
            cand["finishReason"] = "MAX_TOKENS" if "max_tokens" in d else "STOP"
        usage = {"promptTokenCount": prompt, "candidatesTokenCount": tok(cand_chars),
                 "totalTokenCount": prompt + tok(cand_chars) + tok(thought_chars)}
        if thought_chars:
            usage["thoughtsTokenCount"] = tok(thought_chars)
        out.append({"candidates": [cand], "usageMetadata": usage, **base})
    return out
