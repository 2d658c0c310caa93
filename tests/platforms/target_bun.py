"""Bun: adapters/bun/server.mjs (Bun.serve) from the project's root (bunfig.toml), after Bun built the snapshot.

Bun is the npm package `bun` (tests/platforms/js). The server is the Pyodide function Netlify runs,
restored from its snapshot (tests/platforms/pyodide_servers.py checks that, and the log).
"""

from __future__ import annotations

from contextlib import contextmanager

from .pyodide_servers import serve_pyodide
from .runtimes import js_runtime

NAME = "bun"


def commands() -> tuple[list[str], list[str]]:
    """The server, and the snapshot build, on Bun."""
    bun = js_runtime("bun")
    return [bun, "adapters/bun/server.mjs"], [bun, "adapters/netlify/snapshot.mjs"]


@contextmanager
def start(fake_url: str):
    with serve_pyodide(NAME, *commands(), fake_url) as target:
        yield target
