"""`GET /v1/codex/models`: Gemini's chat models as the model catalog Codex CLI reads.

Codex knows only OpenAI's models; for any other it falls back to metadata that leaves out its
`apply_patch` tool. A provider may name a catalog, `model_catalog_url` in config.toml, which Codex
GETs (`?client_version=0.169.0`, the provider's key as bearer) and expects as `{"models": [ModelInfo]}`.
The keys Codex 0.169.0 requires were found by removing them one at a time from its own embedded
catalog until decoding failed: slug, display_name, support_verbosity, truncation_policy,
supported_reasoning_levels, shell_type, visibility, supported_in_api, priority,
experimental_supported_tools, and base_instructions (the model's base prompt). The rest picks the
tools: a freeform `apply_patch`, tool search, web search, parallel calls, reasoning summaries.
"""

from __future__ import annotations

from typing import Any

from .exchange import ModelListExchange
from .lineup import successor, thinking_levels, thinking_style

__all__ = ["CodexCatalogExchange", "codex_model_info"]

# Models that are not for chat; image models draw, TTS models speak.
_NOT_CHAT = ("-image", "-tts", "-audio", "live", "embedding", "-robotics", "nano-banana", "aqa")
_LEVEL_WORDS = {
    "minimal": "Fastest, with the least thinking",
    "low": "Fast responses with light thinking",
    "medium": "Balances speed and thinking depth",
    "high": "Deepest thinking, for hard problems",
}
BASE_INSTRUCTIONS = """You are Codex, a coding agent in the user's terminal, running on a Gemini model. \
You and the user share one workspace; work in it until the task is done.

- Look before you change: read the relevant files and run commands with the shell tool (prefer `rg` to search).
- Edit files with the `apply_patch` tool only. Its input is a patch:
  *** Begin Patch
  *** Add File: path/new.txt
  +every line of the new file, prefixed with +
  *** Update File: path/old.py
  @@ a line of context to find the place
   an unchanged line (one leading space)
  -a removed line
  +an added line
  *** Delete File: path/gone.txt
  *** End Patch
- Keep changes small and in the style of the code around them. Check your work (run the tests when there are any).
- Do not undo changes you did not make. Ask only when you cannot go on without an answer.
- When you are done, say briefly what you changed and anything left to do."""


def codex_model_info(model: dict[str, Any], priority: int) -> dict[str, Any] | None:
    """Codex's ModelInfo for one OpenAI-shaped model object (core/catalog.py), or None if it is not a chat model."""
    slug = model.get("id")
    methods = model.get("supported_generation_methods") or []
    if not isinstance(slug, str) or not slug.startswith("gemini-") or any(mark in slug for mark in _NOT_CHAT):
        return None
    if "generateContent" not in methods or successor(slug) is not None:
        return None  # a retired name is served by its successor, which the list holds itself
    levels = _levels(slug)
    context = model.get("input_token_limit") if isinstance(model.get("input_token_limit"), int) else 1048576
    info: dict[str, Any] = {
        "slug": slug,
        "display_name": model.get("display_name") or slug,
        "description": model.get("description") or "A Gemini model, through the gateway.",
        "supported_reasoning_levels": [{"effort": level, "description": _LEVEL_WORDS[level]} for level in levels],
        "shell_type": "shell_command",
        "visibility": "list",
        "supported_in_api": True,
        "priority": priority,
        "base_instructions": BASE_INSTRUCTIONS,
        "supports_reasoning_summaries": bool(levels),
        "support_verbosity": False,
        "default_verbosity": None,
        "apply_patch_tool_type": "freeform",
        "web_search_tool_type": "text",
        "truncation_policy": {"mode": "tokens", "limit": 10000},
        "supports_parallel_tool_calls": True,
        "context_window": context,
        "max_context_window": context,
        "experimental_supported_tools": [],
        "input_modalities": ["text", "image"],
        "supports_search_tool": True,
    }
    if levels:
        info["default_reasoning_level"] = "medium" if "medium" in levels else levels[-1]
    return info


def _levels(slug: str) -> tuple[str, ...]:
    """The reasoning efforts worth offering: a Gemini 3 model's thinking levels, low/medium/high for 2.5."""
    style = thinking_style(slug)
    if style == "level":
        return thinking_levels(slug)
    return ("low", "medium", "high") if style == "budget" else ()


class CodexCatalogExchange(ModelListExchange):
    """`models.list`, every page, answered as Codex's catalog."""

    def result(self) -> Any:
        models = [codex_model_info(model, priority) for priority, model in enumerate(self._models)]
        return {"models": [model for model in models if model is not None]}
