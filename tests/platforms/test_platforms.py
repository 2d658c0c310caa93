"""Every behaviour of the suite, through every platform's runtime."""

from __future__ import annotations

import pytest

from .suite import BEHAVIOURS


@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=[b.__name__ for b in BEHAVIOURS])
def test_behaviour(target, fake, behaviour):
    behaviour(target, fake)
