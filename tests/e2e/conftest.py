"""Servers for the end-to-end suites: one fake Gemini, and gateways in front of it, all on 127.0.0.1.

`fake` is the session's FakeGemini, reset before every test. `gateway(env)` starts (once per
distinct env) a Gateway under uvicorn in a thread and returns its base URL; `fresh=True` gives a
new one, for tests that need an untouched key pool. `gw` is the plain pass-through gateway.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator, Mapping

import pytest

from adapters.app import Gateway
from core.fitting import Fits
from core.keys import KeyPool
from tests.fakes.gemini import FakeGemini, serve_in_thread

# Pass-through Gemini keys the tests send as their API key; the fake accepts any non-empty key.
USER_KEY = "AIzaE2eUserKey000000000001"


@pytest.fixture(autouse=True)
def fake(fake: FakeGemini) -> FakeGemini:
    """Every end-to-end test starts with a reset fake (tests/conftest.py)."""
    return fake


@pytest.fixture(scope="session")
def fake_url(fake_server: tuple[FakeGemini, str]) -> str:
    return fake_server[1]


@pytest.fixture(scope="session")
def gateway(fake_url: str) -> Iterator[Callable[..., str]]:
    """`gateway({"AUTH_TOKEN": "t", ...}, fresh=False) -> base URL` (GEMINI_BASE_URL defaults to the fake)."""
    started: dict[tuple, str] = {}
    stops: list[Callable[[], None]] = []
    STARTED.clear()

    def start(env: Mapping[str, str] | None = None, *, fresh: bool = False) -> str:
        full = {"GEMINI_BASE_URL": fake_url, **(env or {})}
        key = tuple(sorted(full.items()))
        if fresh or key not in started:
            app = Gateway(env=full)
            STARTED.append(app)
            base_url, stop = serve_in_thread(app)
            stops.append(stop)
            if fresh:
                return base_url
            started[key] = base_url
        return started[key]

    yield start
    for stop in stops:
        stop()


STARTED: list[Gateway] = []  # every gateway the session started


@pytest.fixture(autouse=True)
def _fresh_pools() -> None:
    """Each test starts with rested-nothing key pools and nothing learnt: a 401 or a 429 that one test
    provokes on purpose rests its key, which would otherwise refuse the next test's request."""
    for app in STARTED:
        instance = app.instance()
        if not isinstance(instance, Exception):
            instance.pool, instance.fits = KeyPool(instance.settings.key_cooldown), Fits()


@pytest.fixture(scope="session")
def gw(gateway: Callable[..., str]) -> str:
    """The pass-through gateway (clients bring their own Gemini key)."""
    return gateway()


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
