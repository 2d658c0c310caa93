"""The Messages API's exchanges (core/exchange.py's contract): messages, count_tokens, the model list.

* `MessagesExchange`: one `generateContent` call, answered as a `message` or streamed as Anthropic's
  events (core/anthropic_stream.py);
* `CountTokensExchange`: one `countTokens` call → `{"input_tokens": N}`;
* `AnthropicModelsExchange` / `AnthropicModelExchange`: Gemini's catalogue in Anthropic's shape
  (`{"data": [{"type": "model", "id", "display_name", "created_at", ...}], "has_more", "first_id",
  "last_id"}`), for clients that send `anthropic-version` to `GET /v1/models`.
"""

from __future__ import annotations

from typing import Any

from .anthropic_request import CountTokensPlan, MessagesPlan
from .anthropic_response import message_from_gemini
from .anthropic_stream import MessagesStream
from .chat_response import check_gemini_response
from .config import Settings
from .errors import UpstreamError
from .exchange import Exchange, ModelExchange, ModelListExchange, Stamp
from .jsontext import STDLIB, Codec
from .models import resolve_messages_model
from .upstream import UpstreamRequest
from .usage import usage_from_gemini

__all__ = ["AnthropicModelExchange", "AnthropicModelsExchange", "CountTokensExchange", "MessagesExchange", "model_info"]

# Gemini publishes no creation dates; Anthropic's `created_at` is required (an RFC 3339 time).
_NO_DATE = "1970-01-01T00:00:00Z"


class MessagesExchange(Exchange):
    """One `POST /v1/messages`."""

    retries_empty = True  # an answer that says nothing is asked again, as for chat

    def __init__(self, plan: MessagesPlan, stamp: Stamp) -> None:
        self.plan, self.model, self.stream = plan, plan.model, plan.stream
        self.token = stamp.token

    def requests(self) -> list[UpstreamRequest]:
        return [self.plan.upstream()]

    def result(self) -> Any:
        data = check_gemini_response(self._responses[0])
        self.usage = usage_from_gemini(data.get("usageMetadata") or {})  # chat-shaped, for the log line
        return message_from_gemini(data, self.plan, token=self.token)

    def open_stream(self, codec: Codec = STDLIB) -> MessagesStream:
        return MessagesStream(self.plan, token=self.token, codec=codec)


class CountTokensExchange(Exchange):
    """One `POST /v1/messages/count_tokens`."""

    def __init__(self, plan: CountTokensPlan) -> None:
        self.plan, self.model = plan, plan.model

    def requests(self) -> list[UpstreamRequest]:
        return [self.plan.upstream()]

    def result(self) -> Any:
        data = check_gemini_response(self._responses[0])
        total = data.get("totalTokens")
        if not isinstance(total, int) or isinstance(total, bool):
            raise UpstreamError("Gemini's token count has no totalTokens.")
        return {"input_tokens": total}


class AnthropicModelsExchange(ModelListExchange):
    """`GET /v1/models` for an Anthropic client: the models that generate content, all on one page."""

    def result(self) -> Any:
        data = [model_info(m) for m in self._models if "generateContent" in (m.get("supported_generation_methods") or ())]
        return {"data": data, "has_more": False, "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None}


class AnthropicModelExchange(ModelExchange):
    """`GET /v1/models/{id}` for an Anthropic client; a `claude-*` id names the Gemini model it maps to."""

    def __init__(self, model_id: str, settings: Settings) -> None:
        super().__init__(resolve_messages_model(model_id, settings).name)

    def result(self) -> Any:
        return model_info(super().result())


def model_info(model: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic ModelInfo from an OpenAI-shaped model object (core/catalog.py)."""
    info: dict[str, Any] = {"type": "model", "id": model["id"], "display_name": model.get("display_name") or model["id"],
                            "created_at": _NO_DATE}
    if isinstance(model.get("input_token_limit"), int):
        info["max_input_tokens"] = model["input_token_limit"]
    if isinstance(model.get("output_token_limit"), int):
        info["max_tokens"] = model["output_token_limit"]
    return info
