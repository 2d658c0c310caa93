"""The models the fake Gemini lists (ListModels), and the version a model name carries."""
from __future__ import annotations

import re

__all__ = ["MODELS", "generation"]


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
    _model("gemini-3-pro-preview", "Gemini 3 Pro Preview", "Gemini 3 Pro Preview.",
           1048576, 65536, _GEN, "3-pro-preview-11-2025", thinking=True),
    _model("gemini-flash-latest", "Gemini Flash Latest", "Latest release of Gemini Flash.",
           1048576, 65536, _GEN, "Gemini Flash Latest", thinking=True),
    _model("gemini-embedding-001", "Gemini Embedding 001",
           "Obtain a distributed representation of a text.", 2048, 1,
           ["embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"]),
    _model("gemma-3-27b-it", "Gemma 3 27B", "", 131072, 8192, ["generateContent", "countTokens"]),
]


def generation(model: str) -> tuple[int, int]:
    """``gemini-3.8-flash`` -> (3, 8); ``-latest`` aliases (99, 0); (0, 0) when not a version."""
    m = re.match(r"gemini-(\d+)(?:\.(\d+))?-", model)
    if m:
        return int(m.group(1)), int(m.group(2) or 0)
    return (99, 0) if model.startswith("gemini-") and model.endswith("-latest") else (0, 0)
