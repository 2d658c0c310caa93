"""Fixtures shared by every suite that talks to the fake Gemini server (tests/fakes/gemini.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.gemini import FakeGemini, serve_in_thread


@pytest.fixture(scope="session")
def fake_server() -> Iterator[tuple[FakeGemini, str]]:
    """One fake Gemini on 127.0.0.1 for the session: (the fake, its base URL). Strict: it refuses
    what real Gemini refuses (tests/fakes/strict.py); a test may set `fake.strict = False`."""
    fake = FakeGemini(strict=True)
    base_url, stop = serve_in_thread(fake)
    yield fake, base_url
    stop()


@pytest.fixture
def fake(fake_server: tuple[FakeGemini, str]) -> FakeGemini:
    """The session's fake, reset: no script, no recorded requests, the default keys, strict."""
    fake_server[0].reset()
    return fake_server[0]
