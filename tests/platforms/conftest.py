"""Targets for the behaviour suite, discovered from `target_*.py` modules.

A target module defines `NAME` and `start(fake_url)`, a context manager that serves the gateway
through one platform's real runtime (pointed at the fake Gemini at `fake_url`) and yields a
`suite.Target`. Each target is started once per session.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.gemini import FakeGemini

from .suite import Target

MODULES = [importlib.import_module(f"tests.platforms.{path.stem}") for path in sorted(Path(__file__).parent.glob("target_*.py"))]


@pytest.fixture(autouse=True)
def fake(fake: FakeGemini) -> FakeGemini:
    """Every behaviour starts with a reset fake (tests/conftest.py)."""
    return fake


@pytest.fixture(scope="session", params=MODULES, ids=[module.NAME for module in MODULES])
def target(request, fake_server: tuple[FakeGemini, str]) -> Iterator[Target]:
    with request.param.start(fake_server[1]) as served:
        yield served
