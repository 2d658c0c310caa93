"""What every part of the fake Gemini shares: the error envelope, one generation request
(:class:`Ask`), one HTTP answer (:class:`Reply`) and the ASGI senders.

Only the standard library.  A *responder* (see ``tests.fakes.gemini``) takes an :class:`Ask`
and returns a :class:`Reply`, the GenerateContentResponse(s) to send (one per SSE event when
streaming), or None to let the next responder answer.
"""
from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
          404: "NOT_FOUND", 409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
          503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
MESSAGES = {400: "Request contains an invalid argument.",
            401: "Request had invalid authentication credentials.",
            403: "The caller does not have permission",
            404: "Requested entity was not found.",
            500: "An internal error has occurred. Please retry or report the issue.",
            503: "The model is overloaded. Please try again later.",
            504: "Deadline expired before operation could complete."}
UNREGISTERED = ("Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity "
                "to call this API.")
_IDS = itertools.count(1)


def error_body(code: int, message: str | None = None, status: str | None = None,
               details: list | None = None) -> dict:
    """The Google error envelope; 429 without a message gets the quota details."""
    if code == 429 and message is None:
        message = ("You exceeded your current quota, please check your plan and "
                   "billing details. Please retry in 7.5s.")
        details = details or [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}]
    err = {"code": code, "message": message or MESSAGES.get(code, "Unknown error."),
           "status": status or STATUS.get(code, "UNKNOWN")}
    if details:
        err["details"] = details
    return {"error": err}


KEY_INVALID = error_body(400, "API key not valid. Please pass a valid API key.", details=[{
    "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
    "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}])


def not_found(model: str, method: str) -> dict:
    return error_body(404, f"models/{model} is not found for API version v1beta, or is not "
                      f"supported for {method}. Call ListModels to see the list of available "
                      "models and their supported methods.")


def get(obj: Any, name: str) -> Any:
    """``obj[name]`` accepting the snake_case spelling too (as the proto JSON parser does)."""
    if not isinstance(obj, dict):
        return None
    if name in obj:
        return obj[name]
    return obj.get(re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name))


def tok(chars: int) -> int:
    """Tokens for ``chars`` characters: about four characters a token."""
    return (chars + 3) // 4


def texts(content: Any) -> list[str]:
    """The non-thought text parts of a Content."""
    parts = content.get("parts") if isinstance(content, dict) else None
    return [p["text"] for p in parts or [] if isinstance(p, dict)
            and isinstance(p.get("text"), str) and not p.get("thought")]


@dataclass
class Reply:
    """One HTTP answer: ``body`` None means an empty body."""
    status: int = 200
    body: dict | None = None
    headers: dict = field(default_factory=dict)


@dataclass
class Ask:
    """One generateContent request, as the responders see it."""
    model: str                  # the model that serves it (after Google's routing, strict mode)
    body: dict
    text: str                   # last user text, directives removed
    directives: dict
    stream: bool
    prompt_tokens: int          # text tokens of the whole request
    chunks: int = 5             # default number of stream events for text replies
    files: dict = field(default_factory=dict)   # FileStore.files
    response_id: str = field(default_factory=lambda: f"fake-{next(_IDS)}")

    @property
    def config(self) -> dict:
        return get(self.body, "generationConfig") or {}

    @property
    def contents(self) -> list:
        contents = self.body.get("contents")
        return contents if isinstance(contents, list) else []

    @property
    def parts(self) -> list[dict]:
        """The parts of the last user turn."""
        for content in reversed(self.contents):
            if isinstance(content, dict) and content.get("role", "user") == "user":
                return [p for p in content.get("parts") or [] if isinstance(p, dict)]
        return []


async def send_json(send: Callable, status: int, obj: Any, headers: dict | None = None) -> None:
    data = json.dumps(obj).encode()
    hdrs = [(b"content-type", b"application/json; charset=UTF-8"),
            (b"content-length", str(len(data)).encode())]
    hdrs += [(k.encode(), str(v).encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": data})


async def send_reply(send: Callable, reply: Reply) -> None:
    """Send a :class:`Reply` over ASGI (JSON body, or an empty one)."""
    data = b"" if reply.body is None else json.dumps(reply.body).encode()
    hdrs = [(b"content-length", str(len(data)).encode())]
    if reply.body is not None:
        hdrs.append((b"content-type", b"application/json; charset=UTF-8"))
    hdrs += [(k.encode(), str(v).encode()) for k, v in reply.headers.items()]
    await send({"type": "http.response.start", "status": reply.status, "headers": hdrs})
    await send({"type": "http.response.body", "body": data})
