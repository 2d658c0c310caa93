"""The gateway under uvicorn in this process: what `python -m adapters.local` serves."""

from __future__ import annotations

from contextlib import contextmanager

from adapters.app import Gateway
from tests.fakes.gemini import serve_in_thread

from .suite import Target

NAME = "local"


@contextmanager
def start(fake_url: str):
    base_url, stop = serve_in_thread(Gateway(env={"GEMINI_BASE_URL": fake_url, "LOG_LEVEL": "warning"}))
    try:
        yield Target(NAME, base_url)
    finally:
        stop()
