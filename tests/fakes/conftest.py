"""The fake's own tests pin its lax contract; the strict rules are tested with `strict`."""

from __future__ import annotations

import pytest

from tests.fakes.gemini import FakeGemini


@pytest.fixture
def fake(fake: FakeGemini) -> FakeGemini:
    """The session's fake, reset, in lax mode."""
    fake.strict = False
    return fake


@pytest.fixture
def strict(fake: FakeGemini) -> FakeGemini:
    """The session's fake, reset, in strict mode."""
    fake.strict = True
    return fake
