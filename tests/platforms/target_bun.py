"""Bun: adapters/bun/server.mjs (Bun.serve) from the project's root (bunfig.toml), after Bun built the snapshot.

Bun is the npm package `bun` (tests/platforms/js). The server is the Pyodide function Netlify runs,
restored from its snapshot (tests/platforms/pyodide_servers.py checks that, and the log).
"""

from __future__ import annotations

from contextlib import contextmanager

from .pyodide_servers import serve_pyodide
from .runtimes import js_runtime

NAME = "bun"


@contextmanager
def start(fake_url: str):
    bun = js_runtime("bun")
    with serve_pyodide(NAME, [bun, "adapters/bun/server.mjs"], [bun, "adapters/netlify/snapshot.mjs"], fake_url) as target:
        yield target
