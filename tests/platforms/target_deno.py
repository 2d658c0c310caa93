"""Deno: deno.json's `start` task (adapters/deno/main.mjs, Deno.serve), after its `snapshot` task.

Deno is the npm package `deno` (tests/platforms/js). The server is the Pyodide function Netlify
runs, restored from a snapshot Deno built (tests/platforms/pyodide_servers.py checks both, and that
no complete answer is logged as a disconnect).
"""

from __future__ import annotations

from contextlib import contextmanager

from .pyodide_servers import serve_pyodide
from .runtimes import js_runtime

NAME = "deno"


@contextmanager
def start(fake_url: str):
    deno = js_runtime("deno")
    with serve_pyodide(NAME, [deno, "task", "start"], [deno, "task", "snapshot"], fake_url) as target:
        yield target
