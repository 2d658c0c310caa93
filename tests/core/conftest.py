"""Shared helpers for the core tests: fixture files and golden outputs.

Golden files hold whole expected outputs. `UPDATE_GOLDEN=1 pytest tests/core` rewrites them;
every rewrite is a change to review like code.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "gemini"
GOLDEN = Path(__file__).parent / "golden"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str):
    return json.loads(fixture_bytes(name))


def chunkings(data: bytes) -> dict[str, list[bytes]]:
    """The same bytes cut three ways: whole, byte by byte, and at every CR and LF."""
    return {
        "whole": [data],
        "bytewise": [data[i:i + 1] for i in range(len(data))],
        "crlf": [piece for piece in re.split(rb"(\r|\n)", data) if piece],
    }


def sse_events(raw: bytes) -> list:
    """Our own stream output as a list: each event's JSON, or the string "[DONE]"."""
    events = []
    for block in raw.split(b"\n\n"):
        if not block:
            continue
        assert block.startswith(b"data: "), block
        payload = block[len(b"data: "):]
        events.append("[DONE]" if payload == b"[DONE]" else json.loads(payload))
    return events


@pytest.fixture
def golden():
    def check(name: str, actual) -> None:
        path = GOLDEN / f"{name}.json"
        text = json.dumps(actual, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        if os.environ.get("UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run with UPDATE_GOLDEN=1 and review it"
        assert json.loads(path.read_text(encoding="utf-8")) == actual

    return check
