"""What the fake Interactions API refuses, one rule each with its source, and what its model answers.

Refusals (400 unless said) come before any work, in the order below; the texts follow Gemini's
styles (the proto JSON parser's "Invalid JSON payload received. Unknown name ..." for fields that do
not exist, INVALID_ARGUMENT messages for the rest).
"""
from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes import strict
from tests.fakes.agents import signature
from tests.fakes.catalog import generation, served_model, thinking_of
from tests.fakes.echo import CALL, parse_directives
from tests.fakes.wire import error_body

# Fields of each object, from python-genai's types (_gaos/types/interactions/*.py at 66807187, 2026-08-21):
# generation_config has no temperature/top_p since 293238d4 (2026-07-21), no penalties since ba552f72.
CREATE_FIELDS = {"model", "agent", "agent_config", "input", "background", "environment", "generation_config", "labels",
                 "previous_interaction_id", "response_format", "response_mime_type", "response_modalities",
                 "safety_settings", "service_tier", "store", "stream", "system_instruction", "tools", "webhook_config"}
GENERATION_FIELDS = {"image_config", "max_output_tokens", "seed", "speech_config", "stop_sequences", "thinking_level",
                     "thinking_summaries", "tool_choice", "transcription_config", "video_config"}
STEP_FIELDS = {
    "user_input": {"type", "content"}, "model_output": {"type", "content", "error"},
    "thought": {"type", "signature", "summary"}, "function_call": {"type", "id", "name", "arguments"},
    "function_result": {"type", "call_id", "result", "is_error", "name"},
    "google_search_call": {"type", "id", "arguments", "search_type", "signature"},
    "google_search_result": {"type", "call_id", "result", "is_error", "signature"},
    "url_context_call": {"type", "id", "arguments", "signature"},
    "url_context_result": {"type", "call_id", "result", "is_error", "signature"},
    "code_execution_call": {"type", "id", "arguments", "signature"},
    "code_execution_result": {"type", "call_id", "result", "is_error", "signature"},
}
CONTENT_TYPES = {"text", "image", "audio", "video", "document"}
TOOL_TYPES = {"function", "google_search", "url_context", "code_execution", "google_maps", "file_search", "computer_use",
              "mcp_server", "retrieval"}
LEVELS = ("minimal", "low", "medium", "high")
DEEP_RESEARCH = ("deep-research-preview-04-2026", "deep-research-max-preview-04-2026", "deep-research-pro-preview-12-2025")


def _bad(message: str) -> dict:
    return error_body(400, message)


def _unknown(name: str, where: str) -> dict:
    return _bad(f"Invalid JSON payload received. Unknown name \"{name}\" at '{where}': Cannot find field.")


def check_create(body: Any) -> dict | None:
    """The first refusal of a create body, or None."""
    if not isinstance(body, dict):
        return _bad("Invalid JSON payload received. Expected an object.")
    for name in body:
        if name not in CREATE_FIELDS:
            return _unknown(name, "")
    # createmodelinteraction.py / createagentinteraction.py: `input` is required, and the SDK refuses
    # "Cannot supply both 'model' and 'agent'" and "... both 'generation_config' and 'agent'".
    if "input" not in body:
        return _bad("* input: required field is missing")
    if ("model" in body) == ("agent" in body):
        return _bad("Exactly one of model or agent must be set.")
    if "agent" in body and "generation_config" in body:
        return _bad("generation_config cannot be used with an agent; use agent_config.")
    if "agent" in body and body["agent"] not in DEEP_RESEARCH:
        return error_body(404, f"Agent {body['agent']} is not found.")
    # "You must use background execution (set background=true)" (ai.google.dev/gemini-api/docs/deep-research).
    if "agent" in body and body.get("background") is not True:
        return _bad("Deep Research agents can only be run with background=true.")
    # "Passing store=False disables server-side retention and therefore also disables previous_interaction_id
    # and background" (google/skills skills/cloud/gemini-interactions-api/SKILL.md).
    if body.get("store") is False and (body.get("background") or body.get("previous_interaction_id")):
        return _bad("store=false cannot be combined with background or previous_interaction_id.")
    if "model" in body and strict.shut_down(str(body["model"])):
        return strict.shut_down(str(body["model"]))
    return (_check_config(body) or _check_safety(body.get("safety_settings")) or _check_tools(body.get("tools"))
            or _check_input(body.get("input")))


# safetysetting.py and harmcategory.py at 66807187: {type, threshold, method?}, the values lower-case.
SAFETY_FIELDS = {"type", "threshold", "method"}
HARM_TYPES = {"hate_speech", "dangerous_content", "harassment", "sexually_explicit", "civic_integrity", "image_hate",
              "image_dangerous_content", "image_harassment", "image_sexually_explicit", "jailbreak"}
THRESHOLDS = {"block_low_and_above", "block_medium_and_above", "block_only_high", "block_none", "off"}


def _check_safety(settings: Any) -> dict | None:
    for index, setting in enumerate(settings or []):
        where = f"safety_settings[{index}]"
        if not isinstance(setting, dict):
            return _bad(f"Invalid value at '{where}': expected an object.")
        for name in setting:
            if name not in SAFETY_FIELDS:
                return _unknown(name, where)
        if setting.get("type") not in HARM_TYPES:
            return _bad(f"Invalid value at '{where}.type', \"{setting.get('type')}\"")
        if setting.get("threshold") not in THRESHOLDS:
            return _bad(f"Invalid value at '{where}.threshold', \"{setting.get('threshold')}\"")
    return None


def _check_config(body: dict) -> dict | None:
    config = body.get("generation_config")
    if config is None:
        return None
    if not isinstance(config, dict):
        return _bad("Invalid value at 'generation_config': expected an object.")
    for name in config:
        if name not in GENERATION_FIELDS:  # temperature, top_p, ... are no fields of the Interactions API
            return _unknown(name, "generation_config")
    level = config.get("thinking_level")
    if level is not None:
        if level not in LEVELS:
            return _bad(f"Invalid value at 'generation_config.thinking_level', \"{level}\"")
        spec = thinking_of(served_model(str(body.get("model"))))
        if spec is not None and spec.levels is not None and level.upper() not in spec.levels:
            return _bad(f"Thinking level {level} is not supported for this model. Supported levels: "
                        f"{', '.join(v.lower() for v in spec.levels)}.")
    return None


def _check_tools(tools: Any) -> dict | None:
    for n, tool in enumerate(tools or []):
        if not isinstance(tool, dict) or tool.get("type") not in TOOL_TYPES:
            return _bad(f"Invalid value at 'tools[{n}].type'")
        if tool["type"] == "function" and not tool.get("name"):
            return _bad(f"* tools[{n}].name: a function needs a name")
        if tool["type"] == "function" and set(tool) - {"type", "name", "description", "parameters"}:
            return _unknown(sorted(set(tool) - {"type", "name", "description", "parameters"})[0], f"tools[{n}]")
    return None


def _check_input(given: Any) -> dict | None:
    if isinstance(given, str):
        return None
    if not isinstance(given, list) or not given:
        return _bad("* input: must be a string or a non-empty list")
    for n, step in enumerate(given):
        kind = step.get("type") if isinstance(step, dict) else None
        if kind in CONTENT_TYPES:
            continue  # a list of content blocks is one user turn (interactionsinput.py)
        if kind not in STEP_FIELDS:
            return _bad(f"Invalid value at 'input[{n}].type' ({kind!r})")
        extra = set(step) - STEP_FIELDS[kind]
        if extra:
            return _unknown(sorted(extra)[0], f"input[{n}]")
        for m, block in enumerate(step.get("content") or []):
            if not isinstance(block, dict) or block.get("type") not in CONTENT_TYPES:
                return _bad(f"Invalid value at 'input[{n}].content[{m}].type'")
        if kind == "function_call" and not step.get("id"):
            return _bad(f"* input[{n}].id: required field is missing")  # functioncallstep.py: "Required"
    return None


def check_answers(steps: list[dict], history: list[dict]) -> dict | None:
    """Each function_result answers a function_call ("ID to match the ID from the function call block",
    functionresultstep.py) of the conversation."""
    called = {s.get("id") for s in history + steps if s.get("type") == "function_call"}
    for n, step in enumerate(steps):
        if step.get("type") == "function_result" and step.get("call_id") not in called:
            return _bad(f"input[{n}].call_id {step.get('call_id')!r} does not match any function call.")
    return None


# ---- the model's answer ----------------------------------------------------------------------------



def user_texts(steps: list[dict]) -> list[str]:
    if isinstance(steps, str):
        return [steps]
    texts = []
    for step in steps:
        if step.get("type") == "user_input":
            texts.append(" ".join(b.get("text", "") for b in step.get("content") or [] if b.get("type") == "text"))
        elif step.get("type") == "text":
            texts.append(step.get("text", ""))
    return [t for t in texts if t]


def normalized(given: Any) -> list[dict]:
    """The input as steps (a string, or a list of content blocks, is one user_input)."""
    if isinstance(given, str):
        return [{"type": "user_input", "content": [{"type": "text", "text": given}]}]
    if all(isinstance(s, dict) and s.get("type") in CONTENT_TYPES for s in given):
        return [{"type": "user_input", "content": list(given)}]
    return list(given)


def answer(body: dict, steps: list[dict], history: list[dict]) -> tuple[list[dict], str, dict]:
    """(the output steps, the final status, the directives) for a create request."""
    texts = user_texts(steps)
    text, d = parse_directives(texts[-1] if texts else "")
    results = [s for s in steps if s.get("type") == "function_result"]
    if "agent" in body:
        return research_report(text), "failed" if "fail" in d else "completed", d
    out: list[dict] = []
    config = body.get("generation_config") or {}
    if "thinking" in d:
        thought: dict[str, Any] = {"type": "thought", "signature": signature(text, "thought")}
        if config.get("thinking_summaries") == "auto":
            thought["summary"] = [{"type": "text", "text": f"**Thinking** about: {text}"}]
        out.append(thought)
    declared = {t.get("name") for t in body.get("tools") or [] if t.get("type") == "function"}
    calls = [m for m in CALL.finditer(text) if m.group(1) in declared] if not results else []
    if calls:
        if generation(str(body.get("model"))) >= (3, 0):  # Gemini 3 signs the first call of a step
            out.append({"type": "thought", "signature": signature(text)})
        for n, m in enumerate(calls):
            rest = text[m.end():calls[n + 1].start() if n + 1 < len(calls) else None]
            args = dict(re.findall(r"(\w+)=(\S+)", rest)) or {"city": "Paris"}
            out.append({"type": "function_call", "id": f"fc_{signature(text, str(n))[:10].replace('/', 'x').replace('+', 'y')}",
                        "name": m.group(1), "arguments": args})
        return out, "requires_action", d
    if "search" in d and any(t.get("type") == "google_search" for t in body.get("tools") or []):
        out += search_steps(text)
        out.append(cited_text(f"Found: {text}"))
    elif results:
        out.append(_text(f"result: {json.dumps(results[0].get('result'))}"))
    elif "history" in d:
        earlier = [parse_directives(t)[0] for t in user_texts(history) + texts]
        out.append(_text("history: " + " | ".join(earlier)))
    else:
        out.append(_text(f"echo: {text}"))
    status = "incomplete" if "max_tokens" in d else "failed" if "fail" in d else "completed"
    return out, status, d


def _text(text: str) -> dict:
    return {"type": "model_output", "content": [{"type": "text", "text": text}]}


def search_steps(text: str) -> list[dict]:
    call_id = "gs_" + signature(text, "gs")[:8].replace("/", "x").replace("+", "y")
    return [
        {"type": "google_search_call", "id": call_id, "arguments": {"queries": [text[:80]]}, "signature": signature(text, "call")},
        {"type": "google_search_result", "call_id": call_id, "signature": signature(text, "result"),
         "result": [{"search_suggestions": f"<div class=\"chips\">{text[:40]}</div>"}]},
    ]


def cited_text(text: str) -> dict:
    """A model_output whose text cites two sources, offsets in bytes (urlcitation.py: "measured in bytes")."""
    body = f"{text}. Zürich has trams [1]. Bern is the capital [2]."
    encoded = body.encode()
    first, second = "Zürich has trams".encode(), b"Bern is the capital"
    a, b = encoded.index(first), encoded.index(second)
    return {"type": "model_output", "content": [{"type": "text", "text": body, "annotations": [
        {"type": "url_citation", "url": "https://example.org/zurich", "title": "Zürich trams", "start_index": a,
         "end_index": a + len(first)},
        {"type": "url_citation", "url": "https://example.org/bern", "title": "Bern", "start_index": b,
         "end_index": b + len(second)},
    ]}]}


def research_report(text: str) -> list[dict]:
    """Deep Research's answer: thought summaries, its searches, a cited report."""
    return [
        {"type": "thought", "summary": [{"type": "text", "text": "**Planning** the research"}]},
        *search_steps(text),
        {"type": "thought", "summary": [{"type": "text", "text": "**Reading** the sources"}]},
        cited_text(f"Report on {text}"),
    ]
