"""Streams: Gemini `alt=sse` bytes in, OpenAI `chat.completion.chunk` events out — sans I/O.

    stream = ChatStream(plan, completion_id="chatcmpl-…", created=1700000000)
    for chunk in upstream_body:
        client.write(stream.feed(chunk))
    client.write(stream.close())          # or stream.fail(error) if the upstream read failed

Whatever goes wrong upstream — an `{"error": …}` object inside the stream, a line that is not JSON,
a stream that ends before every candidate has a `finishReason` — the client gets one OpenAI error
event and `data: [DONE]`, never silence and never a half-translated chunk.

`n > 1`: Gemini streams the candidates interleaved, each tagged with its index; every choice is
opened (role chunk) in index order before any content, because the OpenAI SDK's stream
accumulator addresses choices by position.
"""

from __future__ import annotations

import json
from typing import Any

from .candidates import (
    blocked_prompt_message,
    call_ids,
    candidate_index,
    candidate_parts,
    empty_stream,
    finish_reason,
    has_substance,
    read_part,
    response_candidates,
    server_extra,
    tool_call_from_gemini,
)
from .chat import ChatPlan
from .chat_response import response_model
from .citations import annotations_from_grounding
from .errors import GatewayError, UpstreamError, error_from_gemini
from .jsontext import STDLIB, Codec
from .logprobs import chat_logprobs_from_gemini
from .signatures import extra_content
from .sse import DONE, SSEDecoder
from .usage import usage_from_gemini

__all__ = ["ChatStream", "GeminiStream"]


class GeminiStream:
    """The shared half of every stream translator: decoding, failures, completion and `[DONE]`."""

    TERMINATOR = DONE  # what ends a finished stream (the Responses API's streams have no `[DONE]`)

    def __init__(self, codec: Codec = STDLIB) -> None:
        self._sse = SSEDecoder()
        self._codec = codec
        self._closed = False
        self._usage_metadata: Any = None
        self.error: GatewayError | None = None
        self.said = False  # an event held something for the client (text, thoughts, a call, media, a refusal)
        self._finishes: set[str] = set()  # the finish reasons seen

    @property
    def empty(self) -> bool:
        """The stream finished normally and said nothing: an empty answer, worth asking again."""
        return self._closed and self.error is None and empty_stream(self.said, self._finishes)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def usage(self) -> dict[str, Any] | None:
        """OpenAI usage from the latest `usageMetadata` seen (Gemini sends running totals)."""
        return usage_from_gemini(self._usage_metadata)

    def feed(self, data: bytes) -> bytes:
        """Upstream bytes, in any chunking → the OpenAI stream bytes they complete."""
        if self._closed:
            return b""
        out = []
        for payload in self._sse.feed(data):
            out.append(self._payload(payload))
            if self._closed:
                break
        return b"".join(out)

    def close(self) -> bytes:
        """The upstream ended: flush, then finish normally or with an error if it was cut short."""
        if self._closed:
            return b""
        out = []
        for payload in self._sse.close():
            out.append(self._payload(payload))
            if self._closed:
                return b"".join(out)
        if not self._complete():
            out.append(self.fail(tail_error(self._sse.stray) or UpstreamError(
                "The Gemini stream ended before the answer was complete (no finishReason)."
            )))
            return b"".join(out)
        self._closed = True
        out.append(self._end())
        out.append(self.TERMINATOR)
        return b"".join(out)

    def fail(self, error: GatewayError) -> bytes:
        """End the stream with an OpenAI error event and `[DONE]` (also for the shell's own failures)."""
        if self._closed:
            return b""
        self._closed = True
        self.error = error
        return self._event(error.to_dict()) + DONE

    def _event(self, value: Any) -> bytes:
        return b"data: " + self._codec.dumps(value) + b"\n\n"

    def _payload(self, payload: bytes) -> bytes:
        try:
            data = self._codec.loads(payload)
        except ValueError:
            text = payload[:200].decode("utf-8", "replace")
            return self.fail(UpstreamError(f"Gemini sent a stream event that is not JSON: {text!r}"))
        if not isinstance(data, dict):
            return self.fail(UpstreamError("Gemini sent a stream event that is not a response object."))
        error = data.get("error")
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            return self.fail(error_from_gemini(code if isinstance(code, int) and 400 <= code < 600 else 502, data))
        usage = data.get("usageMetadata")
        if usage is not None:
            self._usage_metadata = usage
        if not self.said:  # once something was said, the stream is not empty: its finish reasons no longer matter
            if has_substance(data):
                self.said = True
            else:
                for candidate in response_candidates(data):
                    if isinstance(candidate.get("finishReason"), str):
                        self._finishes.add(candidate["finishReason"])
        return self._translate(data)

    # Subclasses fill these in.
    def _translate(self, data: dict[str, Any]) -> bytes:
        raise NotImplementedError

    def _complete(self) -> bool:
        raise NotImplementedError

    def _end(self) -> bytes:
        raise NotImplementedError


def tail_error(stray: bytes) -> GatewayError | None:
    """The error in a bare JSON body that ended the stream instead of an event, if that is what it was."""
    if not stray.lstrip().startswith((b"{", b"[")):
        return None
    try:
        data = json.loads(stray)
    except ValueError:
        return None
    if isinstance(data, list) and data:
        data = data[0]
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    return error_from_gemini(code if isinstance(code, int) and 400 <= code < 600 else 502, data)


class _Choice:
    """What a stream knows about one of its choices."""

    __slots__ = ("finished", "calls", "images", "text", "grounding", "server")

    def __init__(self) -> None:
        self.finished = False
        self.calls = 0
        self.images = 0
        self.text: list[str] = []
        self.grounding: Any = None
        self.server: list[dict[str, Any]] = []  # server-side tool parts the next call will carry


class ChatStream(GeminiStream):
    """One streamed chat completion."""

    def __init__(self, plan: ChatPlan, *, completion_id: str, created: int, codec: Codec = STDLIB) -> None:
        super().__init__(codec)
        self._plan = plan
        self._id = completion_id
        self._created = created
        self._model = plan.model
        self._ids = call_ids(completion_id)
        self._choices: dict[int, _Choice] = {}
        self._envelope: tuple[bytes, bytes] | None = None

    def _translate(self, data: dict[str, Any]) -> bytes:
        out: list[bytes] = []
        if not self._choices:
            self._model = response_model(data, self._plan.model)
            for index in range(self._plan.n):
                self._open(index, out)
        candidates = response_candidates(data)
        if not candidates:
            self._blocked(data, out)
        for candidate in candidates:
            self._candidate(candidate, out)
        return b"".join(out)

    def _candidate(self, candidate: dict[str, Any], out: list[bytes]) -> None:
        index = candidate_index(candidate)
        choice = self._choices.get(index) or self._open(index, out)
        if choice.finished:
            return
        logprobs = chat_logprobs_from_gemini(candidate.get("logprobsResult"))
        for part in candidate_parts(candidate):
            kind, value, signature = read_part(part)
            delta: dict[str, Any] = {}
            if kind == "server":
                choice.server.append(value)
                continue
            if kind == "call":
                tool_call = tool_call_from_gemini(value, next(self._ids), signature, choice.server)
                delta["tool_calls"] = [{"index": choice.calls, **tool_call}]
                choice.calls += 1
                choice.server = []
            elif kind == "image":
                # OpenRouter's shape, which Open WebUI, LobeChat and Cherry Studio read from a stream.
                delta["images"] = [{"type": "image_url", "image_url": {"url": value}, "index": choice.images}]
                choice.images += 1
            else:
                if kind == "content" and value:
                    delta["content"] = value
                    choice.text.append(value)
                elif kind == "reasoning" and value:
                    delta["reasoning_content"] = value
                if signature:
                    delta["extra_content"] = extra_content(signature)
            if delta:
                out.append(self._chunk(index, delta, logprobs))
                logprobs = None
        if logprobs is not None:
            out.append(self._chunk(index, {}, logprobs))
        if isinstance(candidate.get("groundingMetadata"), dict):
            choice.grounding = candidate["groundingMetadata"]
        if isinstance(candidate.get("finishReason"), str):
            choice.finished = True
            if choice.server:  # no call carried them: they ride on the text, as a whole answer's do
                out.append(self._chunk(index, {"extra_content": server_extra(None, choice.server)}, None))
            delta = {}
            if choice.grounding is not None:
                annotations = annotations_from_grounding(choice.grounding, "".join(choice.text))
                if annotations:
                    delta["annotations"] = annotations
            reason = finish_reason(candidate["finishReason"], choice.calls > 0)
            out.append(self._chunk(index, delta, None, reason))

    def _blocked(self, data: dict[str, Any], out: list[bytes]) -> None:
        """An event without candidates: either a blocked prompt, or nothing to say yet."""
        reason = blocked_prompt_message(data.get("promptFeedback"))
        if reason is None:
            return
        for index, choice in sorted(self._choices.items()):
            if not choice.finished:
                choice.finished = True
                out.append(self._chunk(index, {"refusal": reason}, None))
                out.append(self._chunk(index, {}, None, "content_filter"))

    def _open(self, index: int, out: list[bytes]) -> _Choice:
        choice = self._choices[index] = _Choice()
        out.append(self._chunk(index, {"role": "assistant", "content": ""}, None))
        return choice

    def _chunk(self, index: int, delta: dict[str, Any], logprobs: Any, finish: str | None = None) -> bytes:
        if self._envelope is None:
            # What every chunk repeats, encoded once (the model is known from the first event on):
            # `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":[` … `]}`.
            # With include_usage OpenAI puts `"usage": null` on every chunk and the totals on a last one.
            head = self._codec.dumps({"id": self._id, "object": "chat.completion.chunk", "created": self._created, "model": self._model})
            tail = b'],"usage":null}\n\n' if self._plan.include_usage else b"]}\n\n"
            self._envelope = (b"data: " + head[:-1] + b',"choices":[', tail)
        choice = self._codec.dumps({"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish})
        return self._envelope[0] + choice + self._envelope[1]

    def _complete(self) -> bool:
        return bool(self._choices) and all(choice.finished for choice in self._choices.values())

    def _end(self) -> bytes:
        if not self._plan.include_usage:
            return b""
        return self._event({
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": [],
            "usage": self.usage or usage_from_gemini({}),
        })
