"""Today's Gemini lineup: retired names and what replaced them, Google's moving aliases, and what
each model family takes (thinking levels and budgets, sampling, penalties, logprobs).

Google changes models monthly and these tables age with it. They say what is known on the date
below; Gemini's own 400s are the durable source, and core/fitting.py learns from them at run time.
Every capability question is asked of the model Google actually serves for a name (`served_model`):
`gemini-2.5-flash` is answered by 3.5 Flash-Lite since 2026-12-01, `gemini-flash-latest` by 3.8 Flash.

Checked 2026-12-01. Sources, by tag:
  [TH]   https://ai.google.dev/gemini-api/docs/generate-content/thinking#thinking-levels (via the
         Vertex copy docs.cloud.google.com/gemini-enterprise-agent-platform/models/thinking, which
         lists per model: 3.8 Flash and 3.7 Flash LOW, MEDIUM, HIGH (default MEDIUM); 3.6 Flash
         MINIMAL..HIGH (MEDIUM); 3.5 Flash-Lite MINIMAL..HIGH (MINIMAL); 3.1 Pro LOW..HIGH (HIGH))
  [G38]  https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/guides/gemini-3-8-flash
  [G35]  https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/guides/gemini-3-5-flash
         (3.1 Flash-Lite MINIMAL..HIGH, default MINIMAL)
  [M36]  https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/gemini/3-6-flash
         (temperature/topK/topP custom values ignored; frequency and presence penalties refused)
  [CL]   https://ai.google.dev/gemini-api/docs/changelog, 2026-07-21: with 3.6 Flash and 3.5
         Flash-Lite, "temperature, top_p and top_k are now deprecated"
  [DEP]  https://ai.google.dev/gemini-api/docs/deprecations
  [AID]  https://dev.to/aideprecations/what-to-do-before-gemini-25-pro-and-25-flash-are-retired-on-december-1-2026-5gg9
         (quotes [DEP] as read 2026-11-10: from 2026-12-01 gemini-2.5-pro is routed to
         gemini-3.8-flash and gemini-2.5-flash to gemini-3.5-flash-lite)
  [W35]  https://ai.google.dev/gemini-api/docs/whats-new-gemini-3.5 (gemini-3.5-flash: deprecated,
         requests are routed to gemini-3.6-flash)
  [PROBE] https://github.com/tetsuo-ai/agenc-core/pull/2393 (every level probed live 2026-09-11:
         minimal is a 400 on 3.8 Flash, 3.7 Flash and 3.1 Pro; accepted on 3.6, 3.5, 3.5-Lite, 3.1-Lite)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "LATEST",
    "RETIRED",
    "Retirement",
    "budget_range",
    "generation",
    "is_image_model",
    "output_token_limit",
    "per_part_media_resolution",
    "requires_thought_signatures",
    "served_model",
    "successor",
    "supports_json_schema",
    "takes_logprobs",
    "takes_penalties",
    "takes_sampling",
    "thinking_levels",
    "thinking_style",
]


class Retirement(NamedTuple):
    """A model Google no longer serves under its own name."""

    date: str  # the shutdown (or routing) date, ISO
    successor: str  # the model Google routes the name to, or recommends in its place
    routed: bool  # True: Google answers the old name with the successor; False: the name is a 404
    source: str


# Names shut down or routed elsewhere. The gateway sends the successor instead (Google does the same
# for the routed ones), so an old client configuration keeps working and is fitted for what answers it.
RETIRED: Mapping[str, Retirement] = MappingProxyType({
    "gemini-2.5-pro": Retirement("2026-12-01", "gemini-3.8-flash", True, "[DEP] via [AID]"),
    "gemini-2.5-flash": Retirement("2026-12-01", "gemini-3.5-flash-lite", True, "[DEP] via [AID]"),
    "gemini-3.5-flash": Retirement("2026-07-21", "gemini-3.6-flash", True, "[W35]; date: 3.6 Flash GA in [CL]"),
    "gemini-3-pro-preview": Retirement("2026-03-09", "gemini-3.1-pro-preview", False, "[DEP] (deprecations.md)"),
    "gemini-3.1-flash-lite-preview": Retirement("2026-05-25", "gemini-3.1-flash-lite", False,
                                                "https://github.com/karthink/gptel/pull/1414"),
    "gemini-3.1-flash-image-preview": Retirement("2026-06-25", "gemini-3.1-flash-image", False, "[DEP] (hl=en copy)"),
    "gemini-3-pro-image-preview": Retirement("2026-06-25", "gemini-3-pro-image", False, "[DEP] (hl=en copy)"),
    "gemini-2.5-pro-preview-03-25": Retirement("2025-12-02", "gemini-3.1-pro-preview", False, "[DEP]"),
    "gemini-2.5-pro-preview-05-06": Retirement("2025-12-02", "gemini-3.1-pro-preview", False, "[DEP]"),
    "gemini-2.5-pro-preview-06-05": Retirement("2025-12-02", "gemini-3.1-pro-preview", False, "[DEP]"),
    "gemini-2.0-flash": Retirement("2026-06-01", "gemini-3.5-flash-lite", False,
                                   "[DEP]; the models page lists it as shut down (saeedkolivand/ai-job-hunter-app#933)"),
    "gemini-2.0-flash-001": Retirement("2026-06-01", "gemini-3.5-flash-lite", False, "[DEP]"),
    "gemini-2.0-flash-lite": Retirement("2026-06-01", "gemini-3.5-flash-lite", False, "[DEP]"),
    "gemini-2.0-flash-lite-001": Retirement("2026-06-01", "gemini-3.5-flash-lite", False, "[DEP]"),
    "imagen-4.0-generate-001": Retirement("2026-08-17", "gemini-nano-banana-2.1", False, "[CL] 2026-06-15"),
    "imagen-4.0-ultra-generate-001": Retirement("2026-08-17", "gemini-nano-banana-2.1", False, "[CL] 2026-06-15"),
    "imagen-4.0-fast-generate-001": Retirement("2026-08-17", "gemini-nano-banana-2.1", False, "[CL] 2026-06-15"),
    "imagen-3.0-generate-002": Retirement("2025-11-10", "gemini-nano-banana-2.1", False, "[DEP] (hl=zh-TW copy)"),
    "text-embedding-004": Retirement("2026-01-14", "gemini-embedding-001", False,
                                     "https://developers.googleblog.com/en/gemini-embedding-available-gemini-api/"),
    "embedding-001": Retirement("2025-08-14", "gemini-embedding-001", False,
                                "https://developers.googleblog.com/en/gemini-embedding-available-gemini-api/"),
})

# Google's moving aliases → the model each serves today. They move without notice; what they serve
# decides what they take, so this is a fit to be corrected from Gemini's 400s like the rest.
LATEST: Mapping[str, str] = MappingProxyType({
    # "the shipped default is gemini-flash-latest, which Google now resolves to gemini-3.8-flash"
    # (https://github.com/theJayTea/WritingTools/issues/282, 2026-09-11)
    "gemini-flash-latest": "gemini-3.8-flash",
    # switched to 3.1 Pro Preview on 2026-03-06 (https://github.com/theopenco/llmgateway/pull/1768)
    "gemini-pro-latest": "gemini-3.1-pro-preview",
    # the newest Flash-Lite (unverified which; every 3.x Flash-Lite takes the same levels)
    "gemini-flash-lite-latest": "gemini-3.5-flash-lite",
})

_VERSION = re.compile(r"gemini-(\d+)(?:\.(\d+))?-")
# Variants that reject thinkingConfig ("Thinking is not enabled for models/...", lobehub/lobehub#7985).
_NO_THINKING = ("-image", "-tts", "-audio", "live", "embedding", "-robotics", "nano-banana")
_MINIMAL_TO_HIGH = ("minimal", "low", "medium", "high")
_LOW_TO_HIGH = ("low", "medium", "high")
# (family, first generation the row applies to, levels it takes): the newest matching row wins.
_LEVELS = (
    ("pro", (3, 0), ("low", "high")),  # Gemini 3 Pro: low and high only (simonw/llm-gemini#117)
    ("pro", (3, 1), _LOW_TO_HIGH),  # 3.1 Pro [TH] [G38] [PROBE]
    ("flash", (3, 0), _MINIMAL_TO_HIGH),  # 3 Flash, 3.5 Flash, 3.6 Flash [TH] [G35] [PROBE]
    ("flash", (3, 7), _LOW_TO_HIGH),  # 3.7 and 3.8 Flash: "minimal" is a 400 [TH] [G38] [PROBE]
    ("flash-lite", (3, 0), _MINIMAL_TO_HIGH),  # 3.1 and 3.5 Flash-Lite [TH] [G35] [PROBE]
)
# Sampling (temperature, topP, topK) is deprecated from these on: ignored today, refused by later
# generations [CL] [M36]. (family, first generation); any family from Gemini 4 on.
_NO_SAMPLING = (("flash", (3, 6)), ("flash-lite", (3, 5)), ("pro", (4, 0)), ("other", (4, 0)))


@lru_cache(maxsize=256)
def served_model(model: str) -> str:
    """The model Google serves for `model`: a retired name's successor, a moving alias's target."""
    seen = 0
    while seen < 8:  # successors may themselves retire; the table has no cycles, but stay bounded
        seen += 1
        if model in LATEST:
            model = LATEST[model]
        elif model in RETIRED:
            model = RETIRED[model].successor
        else:
            break
    return model


def successor(model: str) -> str | None:
    """The model to call instead of a retired `model` (following later retirements), or None."""
    return served_model(model) if model in RETIRED else None


@lru_cache(maxsize=256)
def generation(model: str) -> tuple[int, int] | None:
    """(major, minor) of a Gemini model name, `(99, 0)` for `-latest` aliases, `None` when unknown."""
    match = _VERSION.match(model)
    if match:
        return int(match.group(1)), int(match.group(2) or 0)
    if model.startswith("gemini-") and model.endswith("-latest"):
        return 99, 0
    return None


@lru_cache(maxsize=256)
def _family(model: str) -> tuple[str, tuple[int, int]] | None:
    """("pro" | "flash" | "flash-lite" | "other", generation) of the model Google serves, or None."""
    served = served_model(model)
    gen = generation(served)
    if gen is None:
        return None
    match = _VERSION.match(served)
    rest = served[match.end():] if match else served[len("gemini-"):]
    for kind in ("flash-lite", "flash", "pro"):
        if rest.startswith(kind):
            return kind, gen
    return "other", gen


def is_image_model(model: str) -> bool:
    """Gemini's image-output models (`gemini-3-pro-image`, `gemini-nano-banana-2.1`): their names say so."""
    return "-image" in model or "nano-banana" in model


@lru_cache(maxsize=256)
def thinking_style(model: str) -> str | None:
    """`"level"` (Gemini 3+: thinkingLevel), `"budget"` (Gemini 2.5: thinkingBudget) or `None`."""
    served = served_model(model)
    gen = generation(served)
    if gen is None or any(marker in served for marker in _NO_THINKING):
        return None
    if gen >= (3, 0):
        return "level"
    if gen >= (2, 5):
        return "budget"
    return None


@lru_cache(maxsize=256)
def thinking_levels(model: str) -> tuple[str, ...]:
    """The thinkingLevel values the model Google serves for `model` accepts, lowest first."""
    family = _family(model)
    levels: tuple[str, ...] = _LOW_TO_HIGH  # an unknown Gemini 3+ model: the levels every current one takes
    if family is not None:
        for kind, since, row in _LEVELS:
            if kind == family[0] and family[1] >= since:
                levels = row
    return levels


@lru_cache(maxsize=256)
def budget_range(model: str) -> tuple[int, int, bool]:
    """(lowest non-zero budget, highest budget, can thinking be turned off) for a Gemini 2.5 model.

    https://ai.google.dev/gemini-api/docs/thinking#set-budget: Pro 128–32768 and always thinks;
    Flash 0–24576; Flash-Lite 512–24576 or 0 ("The thinking budget 128 is invalid. Please choose a
    value between 512 and 24576", earendil-works/pi#2861).
    """
    served = served_model(model)
    if "flash-lite" in served:
        return 512, 24576, True
    if "-pro" in served:
        return 128, 32768, False
    return 128, 24576, True


@lru_cache(maxsize=256)
def takes_sampling(model: str) -> bool:
    """Whether `temperature`, `topP` and `topK` mean anything to the model [CL] [M36]."""
    family = _family(model)
    if family is None or family[1] == (99, 0):
        return True  # not Gemini's, or a moving alias we do not know: Gemini says if it minds
    kind, gen = family
    return not any(kind == row_kind and gen >= since for row_kind, since in _NO_SAMPLING)


@lru_cache(maxsize=256)
def takes_penalties(model: str) -> bool:
    """Whether presence and frequency penalties are accepted.

    No Gemini since 2.0 Flash takes them: "Penalty is not enabled for models/gemini-2.5-flash"
    (BerriAI/litellm#32273), "Penalty is not enabled for this model" on every model tried
    (google-gemini/cookbook#1290), and 3.6 Flash refuses custom values [M36]. Names that are not
    Gemini's (Gemma) are passed on; a refusal is corrected from Gemini's answer.
    """
    gen = generation(served_model(model))
    return gen is None or gen < (2, 5)


@lru_cache(maxsize=256)
def takes_logprobs(model: str) -> bool:
    """Whether `responseLogprobs` is accepted: "Logprobs is not enabled for models/gemini-2.5-pro"
    (googleapis/python-genai#1921), for gemini-flash-latest (omeryasirkucuk/amx#55) and for 3.5 Flash
    (GoogleCloudPlatform/generative-ai#2947). Only the shut-down 2.0 Flash took them."""
    gen = generation(served_model(model))
    return gen is None or gen < (2, 5)


@lru_cache(maxsize=256)
def output_token_limit(model: str) -> int:
    """The largest `maxOutputTokens` Gemini accepts for the model served: 65536 from Gemini 2.5 on, 8192 before.

    A larger value is a 400 ("maxOutputTokens value of 128000 but the supported range is from 1
    (inclusive) to 65537 (exclusive)", BerriAI/litellm#10548); Claude Code asks for 128000.
    """
    gen = generation(served_model(model))
    return 65536 if gen is not None and gen >= (2, 5) else 8192


def supports_json_schema(model: str) -> bool:
    """Whether to send `responseJsonSchema` / `parametersJsonSchema` rather than the OpenAPI subset."""
    gen = generation(served_model(model))
    return gen is not None and gen >= (2, 5)


@lru_cache(maxsize=256)
def per_part_media_resolution(model: str) -> bool:
    """Gemini 3 and later take `mediaResolution` on each media part
    (https://ai.google.dev/gemini-api/docs/generate-content/media-resolution: "Per part (Gemini 4 and
    Gemini 3 models)", in v1beta)."""
    gen = generation(served_model(model))
    return gen is not None and gen >= (3, 0)


@lru_cache(maxsize=256)
def requires_thought_signatures(model: str) -> bool:
    """Gemini 3+ rejects a function call in the current turn that carries no thought signature."""
    gen = generation(served_model(model))
    return gen is not None and gen >= (3, 0)
