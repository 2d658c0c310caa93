"""The lineup tables: retired names, and no document or default naming a model Google shut down."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.config import Settings
from core.lineup import LATEST, RETIRED, served_model, successor, takes_logprobs, takes_penalties, takes_sampling
from core.routing import landing_page

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ["README.md", "README.zh-CN.md", "docs/mapping.md"]
BLOCK = re.compile(r"<!-- retired-models -->\n(.*?)<!-- /retired-models -->\n", re.S)


def names_in(text: str) -> set[str]:
    """The retired model ids `text` names (`gemini-2.5-flash:search` names one; `gemini-2.5-flash-lite` does not)."""
    return {name for name in RETIRED if re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-]|\.\w)", text)}


def retired_table() -> str:
    rows = "".join(f"| `{name}` | {r.date} | `{r.successor}` | {'yes' if r.routed else 'no: shut down'} | {r.source} |\n"
                   for name, r in RETIRED.items())
    return "| Name | Since | Served by | Routed by Google | Source |\n|---|---|---|---|---|\n" + rows


@pytest.mark.parametrize("document", DOCUMENTS)
def test_no_document_names_a_retired_model_outside_the_retired_list(document):
    text = BLOCK.sub("", (ROOT / document).read_text(encoding="utf-8"))
    assert names_in(text) == set(), f"{document} names models Google no longer serves"


def test_the_retired_list_in_the_docs_is_the_table():
    blocks = BLOCK.findall((ROOT / "docs/mapping.md").read_text(encoding="utf-8"))
    assert blocks == [retired_table()]


def test_no_default_or_landing_text_names_a_retired_model():
    defaults = Settings()
    for field in ("default_model", "default_embedding_model", "default_image_model", "default_speech_model",
                  "default_transcription_model"):
        assert getattr(defaults, field) not in RETIRED, field
    assert names_in(landing_page(defaults)) == set()
    from core.landing import html_page

    assert names_in(html_page(defaults, "local").decode("utf-8")) == set()  # the page a browser gets


def test_the_helpers_names_catch_what_they_should():
    assert names_in("use gemini-2.5-flash:search or `gemini-2.5-pro`.") == {"gemini-2.5-flash", "gemini-2.5-pro"}
    assert names_in("gemini-2.5-flash-lite, gemini-2.5-flash-image, gemini-3.5-flash-lite, models/x") == set()


def test_every_retirement_is_dated_sourced_and_leads_to_a_served_model():
    for name, retirement in RETIRED.items():
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", retirement.date), name
        assert retirement.source and retirement.successor != name
        assert successor(name) not in RETIRED, name  # chains end at a model Google serves
    assert successor("gemini-2.5-flash") == "gemini-3.5-flash-lite" and successor("gemini-2.5-pro") == "gemini-3.8-flash"
    assert successor("gemini-3-pro-preview") == "gemini-3.1-pro-preview" and successor("gemini-3.8-flash") is None
    assert successor("gemini-flash-latest") is None  # aliases are sent as they are ...
    assert served_model("gemini-flash-latest") == "gemini-3.8-flash"  # ... and fitted for what they serve
    assert all(target not in RETIRED for target in LATEST.values())


@pytest.mark.parametrize(("model", "sampling", "penalties", "logprobs"), [
    ("gemini-3.8-flash", False, False, False),
    ("gemini-flash-latest", False, False, False),
    ("gemini-3.6-flash", False, False, False),
    ("gemini-3.5-flash-lite", False, False, False),
    ("gemini-2.5-flash", False, False, False),  # served by 3.5 Flash-Lite
    ("gemini-3.1-flash-lite", True, False, False),
    ("gemini-3.1-pro-preview", True, False, False),
    ("gemini-2.5-flash-lite", True, False, False),
    ("gemini-4-pro", False, False, False),
    ("gemma-3-27b-it", True, True, True),
])
def test_what_each_family_takes(model, sampling, penalties, logprobs):
    assert (takes_sampling(model), takes_penalties(model), takes_logprobs(model)) == (sampling, penalties, logprobs)
