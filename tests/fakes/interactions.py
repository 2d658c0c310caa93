"""A fake of Gemini's Interactions API (v1beta), following its REST reference and the SDK types.

    POST   /v1beta/interactions                create (`stream`, `background`, `store`, `previous_interaction_id`)
    GET    /v1beta/interactions/{id}           the resource (input steps first); `?stream=true` its events from
                                               the start, `&last_event_id=` after that event
    POST   /v1beta/interactions/{id}/cancel    a running background interaction → cancelled
    DELETE /v1beta/interactions/{id}           {} (ids of other projects, or unknown: 404)

Sources: python-genai `google/genai/_gaos/interactions.py` and `_gaos/types/interactions/*.py`
(66807187), js-genai `src/gaos/funcs/interactions-*.ts`, ai.google.dev/gemini-api/docs/interactions,
/background-execution, /deep-research, /interactions-breaking-changes-may-2026 (a POST answers only the
output steps, a GET "the full step timeline, including the initial user_input step").

State is per project, and a project is a key: an interaction made with one key is 404 to every other.
What is refused, and what the model answers, is in tests/fakes/interaction_rules.py. Answers:
"echo: <last user text>"; "result: <first function_result>" when the input answers calls; declared
functions named by "call <name> k=v" are called (Gemini 3 models sign them with a thought step);
``#fake:`` directives: ``thinking``, ``history`` (every user text of the conversation, from the stored
state), ``search`` (google_search steps and a cited answer), ``work=S`` (a background job's seconds,
default 0.4), ``delay=S`` (between streamed events), ``chunks=N``, ``max_tokens``, ``fail``,
``status=CODE``. Deep Research agents answer a cited report.

A background interaction is `queued`, then `in_progress`, then done after its work time; its events
come out over that time (a stream of it waits for them), and a cancel stops it where it is. Every
event has an `event_id`; streams end with ``data: [DONE]``.
"""
from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes import interaction_rules as rules
from tests.fakes.echo import num
from tests.fakes.wire import error_body, send_json, tok

__all__ = ["PATTERN", "Store", "handle"]

PATTERN = r"/v1(?:beta)?/interactions(?:/(?P<interaction>[^/]+?)(?P<cancel>/cancel)?)?"
QUEUED = 0.05  # seconds a background interaction waits before it runs
_IDS = itertools.count(1)


@dataclass
class Interaction:
    id: str
    key: str
    body: dict
    input: list[dict]
    output: list[dict]
    final: str
    background: bool
    started: float
    work: float
    created: str
    events: list[dict] = field(default_factory=list)
    cancelled: float | None = None

    def status(self, now: float) -> str:
        if self.cancelled is not None:
            return "cancelled"
        if not self.background:
            return self.final
        if now < self.started + QUEUED:
            return "queued"
        return "in_progress" if now < self.started + self.work else self.final

    def released(self, now: float) -> int:
        """How many of its events exist by `now` (all, once it is done)."""
        if not self.background or self.status(now) not in ("queued", "in_progress"):
            return len(self.events)
        share = (now - self.started) / self.work
        return max(1, min(len(self.events) - 1, int(share * (len(self.events) - 1))))

    def resource(self, now: float, *, with_input: bool) -> dict:
        status = self.status(now)
        steps = self.output
        if status in ("queued", "in_progress", "cancelled"):  # only the steps finished so far
            done = {e["index"] for e in self.events[:self.released(now)] if e["event_type"] == "step.stop"}
            steps = [step for n, step in enumerate(self.output) if n in done]
        body = self.body
        out: dict[str, Any] = {"id": self.id, "object": "interaction", "status": status, "created": self.created,
                               "updated": self.created, "steps": (self.input if with_input else []) + steps}
        for key in ("model", "agent", "previous_interaction_id", "system_instruction", "tools", "generation_config",
                    "response_format", "service_tier"):
            if key in body:
                out[key] = body[key]
        if status not in ("queued", "in_progress"):
            out["usage"] = usage(self)
        if status == "failed":
            out["errors"] = [{"code": "https://ai.google.dev/errors/internal", "message": "The research could not be finished."}]
        return out


class Store:
    """Every project's interactions: key -> {id -> Interaction}."""

    def __init__(self) -> None:
        self.projects: dict[str, dict[str, Interaction]] = {}

    def find(self, key: str, interaction: str) -> Interaction | None:
        return self.projects.get(key, {}).get(interaction)

    def history(self, key: str, interaction: str | None) -> list[dict]:
        """Every step of the conversation an interaction continues, oldest first."""
        chain: list[dict] = []
        while interaction:
            found = self.find(key, interaction)
            if found is None:
                break
            chain = found.input + found.output + chain
            interaction = found.body.get("previous_interaction_id")
        return chain


def usage(interaction: Interaction) -> dict:
    chars_in = sum(len(json.dumps(s)) for s in interaction.input)
    chars_out = sum(len(json.dumps(s)) for s in interaction.output if s["type"] != "thought")
    thought = sum(len(json.dumps(s)) for s in interaction.output if s["type"] == "thought")
    u = {"total_input_tokens": tok(chars_in), "total_output_tokens": tok(chars_out),
         "total_tokens": tok(chars_in) + tok(chars_out) + tok(thought)}
    if thought:
        u["total_thought_tokens"] = tok(thought)
    return u


def _events(interaction: Interaction, chunks: int) -> list[dict]:
    """Every event of an interaction, in order (interactionsseevent.py; google/skills SKILL.md §5)."""
    head = {"id": interaction.id, "status": "queued" if interaction.background else "in_progress",
            "object": "interaction", "created": interaction.created}
    head.update({k: interaction.body[k] for k in ("model", "agent") if k in interaction.body})
    events: list[dict] = [{"event_type": "interaction.created", "interaction": head}]
    if interaction.background:
        events.append({"event_type": "interaction.status_update", "interaction_id": interaction.id, "status": "in_progress"})
    for index, step in enumerate(interaction.output):
        events += _step_events(index, step, chunks)
    events.append(_completed(interaction, interaction.final))
    return events


def _step_events(index: int, step: dict, chunks: int) -> list[dict]:
    kind = step["type"]
    if kind == "model_output":
        out = [{"event_type": "step.start", "index": index, "step": {"type": kind}}]
        for block in step.get("content") or []:
            text = block.get("text", "")
            size = max(1, -(-len(text) // chunks))
            out += [{"event_type": "step.delta", "index": index, "delta": {"type": "text", "text": text[i:i + size]}}
                    for i in range(0, len(text), size)]
            if block.get("annotations"):
                out.append({"event_type": "step.delta", "index": index,
                            "delta": {"type": "text_annotation_delta", "annotations": block["annotations"]}})
    elif kind == "thought":
        out = [{"event_type": "step.start", "index": index, "step": {"type": kind}}]
        out += [{"event_type": "step.delta", "index": index, "delta": {"type": "thought_summary", "content": block}}
                for block in step.get("summary") or []]
        if step.get("signature"):
            out.append({"event_type": "step.delta", "index": index,
                        "delta": {"type": "thought_signature", "signature": step["signature"]}})
    elif kind == "function_call":
        start = {"type": kind, "id": step["id"], "name": step["name"], "arguments": {}}
        out = [{"event_type": "step.start", "index": index, "step": start}]
        text = json.dumps(step["arguments"])
        out += [{"event_type": "step.delta", "index": index, "delta": {"type": "arguments_delta", "arguments": text[i:i + 8]}}
                for i in range(0, len(text), 8)]
    else:  # built-in tool steps: their fields come whole in one delta
        skeleton = {k: v for k, v in step.items() if k in ("type", "id", "call_id")}
        out = [{"event_type": "step.start", "index": index, "step": skeleton},
               {"event_type": "step.delta", "index": index, "delta": {k: v for k, v in step.items() if k not in ("id", "call_id")}}]
    return [*out, {"event_type": "step.stop", "index": index}]


def _completed(interaction: Interaction, status: str) -> dict:
    done = {"id": interaction.id, "status": status, "object": "interaction", "created": interaction.created, "usage": usage(interaction)}
    done.update({k: interaction.body[k] for k in ("model", "agent") if k in interaction.body})
    return {"event_type": "interaction.completed", "interaction": done}


def _sse(event: dict, number: int) -> bytes:
    payload = {**event, "event_id": f"evt_{number}"}
    return f"event: {event['event_type']}\ndata: {json.dumps(payload)}\n\n".encode()


async def handle(fake: Any, req: Any) -> None:
    """The route's handler (tests/fakes/gemini.py ROUTES)."""
    store: Store = fake.interaction_store
    name, cancel = req.params.get("interaction"), req.params.get("cancel")
    now = time.monotonic()
    if name is None:
        if req.method != "POST":
            return await send_json(req.send, 405, error_body(405, "Method not allowed."))
        return await _create(fake, store, req, now)
    found = store.find(req.key, name)
    if found is None:
        return await send_json(req.send, 404, error_body(404, f"Interaction {name} was not found."))
    if cancel:
        if req.method != "POST":
            return await send_json(req.send, 405, error_body(405, "Method not allowed."))
        # "This only applies to background interactions that are still running" (js-genai interactionsCancel).
        if not found.background:
            return await send_json(req.send, 400, error_body(400, "Only background interactions can be cancelled.", "FAILED_PRECONDITION"))
        if found.status(now) in ("queued", "in_progress"):
            kept = found.events[:found.released(now)]
            found.cancelled = now
            found.events = [*kept, _completed(found, "cancelled")]
        return await send_json(req.send, 200, found.resource(now, with_input=False))
    if req.method == "DELETE":
        del store.projects[req.key][name]
        return await send_json(req.send, 200, {})
    if req.method != "GET":
        return await send_json(req.send, 405, error_body(405, "Method not allowed."))
    stream = req.query.get("stream") == "true"
    last = req.query.get("last_event_id")
    if last is not None and not stream:
        # "Can only be used if stream is true" (js-genai InteractionGetParams.last_event_id).
        return await send_json(req.send, 400, error_body(400, "last_event_id can only be used if stream is true."))
    if not stream:
        return await send_json(req.send, 200, found.resource(now, with_input=True))
    start = 0
    if last is not None:
        if not last.startswith("evt_") or not last[4:].isdigit() or int(last[4:]) >= len(found.events):
            return await send_json(req.send, 400, error_body(400, f"Unknown last_event_id {last!r}."))
        start = int(last[4:]) + 1
    await _stream(fake, req, found, start, 0.0)


async def _create(fake: Any, store: Store, req: Any, now: float) -> None:
    body = req.data
    refused = rules.check_create(body)
    if refused is None and body.get("previous_interaction_id") and store.find(req.key, body["previous_interaction_id"]) is None:
        refused = error_body(404, f"Interaction {body['previous_interaction_id']} was not found.")
    history = store.history(req.key, body.get("previous_interaction_id")) if refused is None else []
    steps = rules.normalized(body["input"]) if refused is None else []
    refused = refused or rules.check_answers(steps, history)
    if refused is not None:
        return await send_json(req.send, refused["error"]["code"], refused)
    output, final, d = rules.answer(body, steps, history)
    if "status" in d:
        code = int(num(d, "status", 500))
        return await send_json(req.send, code, error_body(code))
    background = bool(body.get("background"))
    work = num(d, "work", 0.8 if "agent" in body else 0.4)
    wall = time.gmtime()
    interaction = Interaction(f"v1_fake{next(_IDS)}", req.key, body, steps, output, final, background,
                              now, work, time.strftime("%Y-%m-%dT%H:%M:%SZ", wall))
    chunks = max(1, int(num(d, "chunks", fake.chunks)))
    interaction.events = _events(interaction, chunks)
    if body.get("store") is not False:
        store.projects.setdefault(req.key, {})[interaction.id] = interaction
    if body.get("stream"):
        return await _stream(fake, req, interaction, 0, num(d, "delay"))
    await send_json(req.send, 200, interaction.resource(now, with_input=False))


async def _stream(fake: Any, req: Any, interaction: Interaction, start: int, delay: float) -> None:
    """Its events from `start`: those that exist now, then each as it comes, then [DONE]."""
    await req.send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]})
    sent = start
    while True:
        ready = interaction.released(time.monotonic())
        while sent < min(ready, len(interaction.events)):
            if sent > start and await req.watch.sleep(delay):
                return fake._event("stream_disconnected", req.path, chunks=sent - start)
            await req.send({"type": "http.response.body", "more_body": True, "body": _sse(interaction.events[sent], sent)})
            sent += 1
        if sent >= len(interaction.events):
            break
        if await req.watch.sleep(0.02):
            return fake._event("stream_disconnected", req.path, chunks=sent - start)
    await req.send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})
    fake._event("stream_completed", req.path, chunks=sent - start)
