"""The models the fake Gemini lists, and what Google serves under each name today (2026-12-01).

``MODELS`` is the ListModels catalogue (the same in both modes).  The rest is used in strict
mode only (tests/fakes/strict.py): which names Google routes to another model, which are shut
down, and per model family what ``thinkingConfig`` it takes.  Each entry cites where it comes
from; tables age monthly, so when a real 400 disagrees, the 400 wins.
"""
from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["MODELS", "SHUT_DOWN", "Thinking", "generation", "served_model", "thinking_of"]


def _model(mid: str, display: str, desc: str, inp: int, out: int, methods: list[str],
           version: str = "001", thinking: bool = False) -> dict:
    m = {"name": f"models/{mid}", "version": version, "displayName": display,
         "description": desc, "inputTokenLimit": inp, "outputTokenLimit": out,
         "supportedGenerationMethods": methods}
    if thinking:
        m["thinking"] = True
    return m


_GEN = ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]
MODELS = [
    _model("gemini-2.5-flash", "Gemini 2.5 Flash", "Stable version of Gemini 2.5 Flash.",
           1048576, 65536, _GEN, thinking=True),
    _model("gemini-2.5-pro", "Gemini 2.5 Pro", "Stable release of Gemini 2.5 Pro.",
           1048576, 65536, _GEN, thinking=True),
    _model("gemini-3.8-flash", "Gemini 3.8 Flash", "Gemini 3.8 Flash.",
           1048576, 65536, _GEN, "3.8", thinking=True),
    _model("gemini-3.5-flash-lite", "Gemini 3.5 Flash-Lite", "Gemini 3.5 Flash-Lite.",
           1048576, 65536, _GEN, "3.5", thinking=True),
    _model("gemini-3.1-pro-preview", "Gemini 3.1 Pro Preview", "Gemini 3.1 Pro Preview.",
           1048576, 65536, _GEN, "3.1-pro-preview-02-2026", thinking=True),
    _model("gemini-flash-latest", "Gemini Flash Latest", "Latest release of Gemini Flash.",
           1048576, 65536, _GEN, "Gemini Flash Latest", thinking=True),
    _model("gemini-embedding-001", "Gemini Embedding 001",
           "Obtain a distributed representation of a text.", 2048, 1,
           ["embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"]),
    _model("gemma-3-27b-it", "Gemma 3 27B", "", 131072, 8192, ["generateContent", "countTokens"]),
]

# Names Google answers for with another model.
_ROUTED = {
    # "From that date, requests to gemini-2.5-pro are automatically routed to gemini-3.8-flash
    # and requests to gemini-2.5-flash to gemini-3.5-flash-lite" (2026-12-01): the deprecations
    # page as quoted by https://dev.to/aideprecations/what-to-do-before-gemini-25-pro-and-25-flash-are-retired-on-december-1-2026-5gg9
    # and docs.retellai.com/deprecation-notice/2026/11-29_model_replacements (2.5 Pro -> 3.8 Flash).
    "gemini-2.5-pro": "gemini-3.8-flash",
    "gemini-2.5-flash": "gemini-3.5-flash-lite",
    # "the shipped default is gemini-flash-latest, which Google now resolves to gemini-3.8-flash"
    # (github.com/theJayTea/WritingTools/issues/282, 2026-09-11).
    "gemini-flash-latest": "gemini-3.8-flash",
}

# Shut-down names: 404 NOT_FOUND for every method, with the text users pasted.
_GONE = ("This model models/{model} is no longer available. Please update your code to use {then} "
         "for the latest features and improvements. We recommend you to use the Interactions API "
         "({link}).")
SHUT_DOWN = {
    # Shut down March 9, 2026, replacement gemini-3.1-pro-preview
    # (ai.google.dev/gemini-api/docs/deprecations.md); the 404 text as pasted in public code
    # (find_string "gemini-3-pro-preview is no longer available": a 404 NOT_FOUND body).
    "gemini-3-pro-preview": _GONE.format(
        model="gemini-3-pro-preview", then="a newer model",
        link="https://ai.google.dev/gemini-api/docs/migrate-to-interactions"),
    # Shut down June 1, 2026 (github.com/petry-projects/.github-private/discussions/641;
    # dev.to/akaranjkar08 "Gemini API Shutdowns" table); 404 text from
    # github.com/google/adk-docs/pull/1840 and a pasted log naming the successor.
    **{name: _GONE.format(model=name, then="models/gemini-3.8-flash",
                          link="https://ai.google.dev/gemini-api/docs/get-started")
       for name in ("gemini-2.0-flash", "gemini-2.0-flash-001")},
}


def served_model(model: str) -> str:
    """The model Google serves a request for ``model`` with."""
    return _ROUTED.get(model, model)


def generation(model: str) -> tuple[int, int]:
    """``gemini-3.8-flash`` -> (3, 8); ``-latest`` aliases (99, 0); (0, 0) when not a version."""
    m = re.match(r"gemini-(\d+)(?:\.(\d+))?-", model)
    if m:
        return int(m.group(1)), int(m.group(2) or 0)
    return (99, 0) if model.startswith("gemini-") and model.endswith("-latest") else (0, 0)


class Thinking(NamedTuple):
    """What ``thinkingConfig`` a model family takes."""
    thinks: bool = True                      # False: any thinkingConfig is refused
    levels: tuple[str, ...] | None = None    # thinkingLevel values taken; None: levels refused
    budget: tuple[int, int] | None = None    # thinkingBudget range (besides -1); None: refused
    off: bool = True                         # thinkingBudget 0 accepted


_ALL = ("MINIMAL", "LOW", "MEDIUM", "HIGH")
_NO_MINIMAL = ("LOW", "MEDIUM", "HIGH")
_ANY = (1, 2**31 - 1)   # budget accepted, no documented range
# (pattern on the served model, what it takes); the first match wins; no match: no rule.
_THINKING = (
    # 3.8 and 3.7 Flash: LOW, MEDIUM, HIGH (default MEDIUM), docs.cloud.google.com/
    # gemini-enterprise-agent-platform/models/guides/gemini-3-8-flash; minimal is a 400 on both
    # (github.com/earendil-works/pi/issues/9455, vercel/ai#18986, tetsuo-ai/agenc-core#2393
    # probed live). A zero budget is accepted ("3.7 and 3.8 ... accept the zero budget",
    # github.com/maragudk/gai/pull/369).
    (r"gemini-3\.[78]-flash$", Thinking(levels=_NO_MINIMAL, budget=_ANY)),
    # 3.6 and 3.5 Flash, 3.1 Flash-Lite: all four levels (agenc-core#2393 probed live); budgets
    # honoured on 3.5 Flash (github.com/dhyansraj/mcp-mesh/issues/1346), 0 accepted on 3.6
    # since 2026-09-16 (maragudk/gai#369).
    (r"gemini-3\.[56]-flash$|gemini-3\.1-flash-lite$", Thinking(levels=_ALL, budget=_ANY)),
    # 3.5 Flash-Lite: all four levels, default minimal (docs.cloud.google.com/
    # gemini-enterprise-agent-platform/models/gemini/3-5-flash-lite, agenc-core#2393); rejects
    # thinkingBudget 0 (github.com/googleapis/python-genai/issues/2936, maragudk/gai#369).
    (r"gemini-3\.5-flash-lite$", Thinking(levels=_ALL, budget=_ANY, off=False)),
    # Image models: 3.1 Flash Image takes only MINIMAL and HIGH (mcp-mesh#1346, measured);
    # 2.5 Flash Image rejects a budget (same thread) and levels (a 2.5 model, below).
    (r"gemini-3[.\d]*-[a-z-]*image", Thinking(levels=("MINIMAL", "HIGH"), budget=_ANY)),
    (r"gemini-2\.5-flash-image", Thinking()),
    # 3.x Pro and gemini-pro-latest: no minimal (agenc-core#2393, mcp-mesh#1346); thinking
    # cannot be switched off: "Budget 0 is invalid. This model only works in thinking mode."
    (r"gemini-3[.\d]*-pro|gemini-pro-latest$", Thinking(levels=_NO_MINIMAL, budget=_ANY, off=False)),
    # TTS models reject a thinking budget (mcp-mesh#1346).
    (r"-tts", Thinking()),
    # 2.5 Flash-Lite (still served): budget 512-24576 or 0, no levels — "Thinking level is not
    # supported for this model." on the whole 2.5 family (mcp-mesh#1346; ai.google.dev/
    # gemini-api/docs/thinking#set-budget).
    (r"gemini-2\.5-flash-lite", Thinking(budget=(512, 24576))),
    # Gemma 4: MINIMAL and HIGH, no budget ("Thinking budget is not supported for this model.",
    # github.com/aduermael/herm/issues/23; levels: mcp-mesh#1346, livekit/agents#7080).
    (r"gemma-4", Thinking(levels=("MINIMAL", "HIGH"))),
    # Gemma 3 does not think: "400 Thinking is not enabled for models/gemma-3-27b-it" (a pasted
    # log, find_string "Thinking is not enabled for models/"; lobehub PR #7686).
    (r"gemma-3", Thinking(thinks=False)),
)


def thinking_of(model: str) -> Thinking | None:
    """What ``thinkingConfig`` the served ``model`` takes, or None when the fake does not know."""
    for pattern, spec in _THINKING:
        if re.search(pattern, model):
            return spec
    return None
