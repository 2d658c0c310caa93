"""Which exchange serves which route: one small function per endpoint, in a table.

Each endpoint's translation is imported by the first request that needs it (`from . import ...`
inside), which keeps all of them out of the import every cold start pays for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import Settings
from .errors import NotFoundError
from .exchange import (
    ChatExchange,
    CompletionExchange,
    EmbeddingsExchange,
    Exchange,
    ImagesExchange,
    ModelExchange,
    ModelListExchange,
    OneCallExchange,
    Stamp,
)
from .routing import Route

__all__ = ["prepare"]


def prepare(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    """The exchange for a routed API request: `body` is the parsed JSON body of a POST, the
    `forms.Form` of a multipart one (image edits, transcriptions), or None."""
    build = _EXCHANGES.get(route.name)
    if build is None:
        raise ValueError(f"route {route.name!r} has no upstream exchange")
    return build(route, body, settings, stamp)


def _chat(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    return ChatExchange(_chat_request_to_gemini(body or {}, settings), stamp)


def _chat_request_to_gemini(body: Any, settings: Settings) -> Any:
    """core.chat's, imported by the first chat request; it then takes this name's place, so that later
    requests (nearly all of them chat) pay for no import statement."""
    global _chat_request_to_gemini
    from .chat import chat_request_to_gemini

    _chat_request_to_gemini = chat_request_to_gemini
    return chat_request_to_gemini(body, settings)


def _responses(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .responses import ResponsesExchange, responses_request_to_gemini, wants_state

    if wants_state(body, settings):  # stored at Google, in Gemini's Interactions API
        from .stateful import StoredResponseExchange, stored_request_to_gemini

        return StoredResponseExchange(stored_request_to_gemini(body, settings), stamp)
    return ResponsesExchange(responses_request_to_gemini(body or {}, settings), stamp)


def _stored_response(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .stateful import stored_access

    return stored_access(route, stamp)


def _completions(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .completions import completion_request_to_gemini

    return CompletionExchange(completion_request_to_gemini(body or {}, settings), stamp)


def _embeddings(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .embeddings import embeddings_request_to_gemini

    return EmbeddingsExchange(embeddings_request_to_gemini(body or {}, settings))


def _models(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    return ModelListExchange()


def _codex_models(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .codex_catalog import CodexCatalogExchange

    return CodexCatalogExchange()


def _model(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    return ModelExchange(route.model_id or "")


def _images(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .images import image_request_to_gemini

    return ImagesExchange(image_request_to_gemini(body or {}, settings), stamp)


def _image_edits(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .images import image_edit_request_to_gemini

    return ImagesExchange(image_edit_request_to_gemini(body, settings), stamp)


def _speech(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .speech import audio_from_gemini, speech_request_to_gemini

    return OneCallExchange(speech_request_to_gemini(body or {}, settings), audio_from_gemini)


def _transcriptions(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .transcription import transcription_from_gemini, transcription_request_to_gemini

    plan = transcription_request_to_gemini(body, settings, translate=route.name == "translations")
    return OneCallExchange(plan, transcription_from_gemini)


def _messages(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .anthropic_exchange import MessagesExchange
    from .anthropic_request import messages_request_to_gemini

    return MessagesExchange(messages_request_to_gemini(body or {}, settings), stamp)


def _count_tokens(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .anthropic_exchange import CountTokensExchange
    from .anthropic_request import count_tokens_request_to_gemini

    return CountTokensExchange(count_tokens_request_to_gemini(body or {}, settings))


def _anthropic_models(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .anthropic_exchange import AnthropicModelsExchange

    return AnthropicModelsExchange()


def _anthropic_model(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    from .anthropic_exchange import AnthropicModelExchange

    return AnthropicModelExchange(route.model_id or "", settings)


def _messages_unknown(route: Route, body: Any, settings: Settings, stamp: Stamp) -> Exchange:
    raise NotFoundError(f"This gateway serves Anthropic's POST /v1/messages and /v1/messages/count_tokens; "
                        f"{route.path!r} is not one of them (message batches and files need Anthropic's own storage).",
                        code="unknown_url")


_EXCHANGES: dict[str, Callable[[Route, Any, Settings, Stamp], Exchange]] = {
    "chat": _chat,
    "responses": _responses,
    # a stored response (core/stateful.py): retrieve, delete, cancel, its input items
    "response": _stored_response,
    "response_delete": _stored_response,
    "response_cancel": _stored_response,
    "response_input_items": _stored_response,
    "completions": _completions,
    "embeddings": _embeddings,
    "models": _models,
    "codex_models": _codex_models,
    "model": _model,
    "images": _images,
    "image_edits": _image_edits,
    "speech": _speech,
    "transcriptions": _transcriptions,
    "translations": _transcriptions,
    # Anthropic's Messages API (core/anthropic_*.py)
    "messages": _messages,
    "count_tokens": _count_tokens,
    "anthropic_models": _anthropic_models,
    "anthropic_model": _anthropic_model,
    "messages_unknown": _messages_unknown,
}
