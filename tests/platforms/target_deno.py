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


def commands() -> tuple[list[str], list[str]]:
    """deno.json's tasks: the server, and the snapshot build."""
    deno = js_runtime("deno")
    return [deno, "task", "start"], [deno, "task", "snapshot"]


@contextmanager
def start(fake_url: str):
    with serve_pyodide(NAME, *commands(), fake_url) as target:
        yield target
