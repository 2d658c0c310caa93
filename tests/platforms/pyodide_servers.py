"""Serving the Pyodide shell (adapters/netlify/handler.mjs) from a JavaScript runtime's own server.

Deno and Bun run the same function as Netlify's behind a few lines of `Deno.serve` / `Bun.serve`.
Each target first builds the memory snapshot with that runtime (as a deploy's build step does),
then serves with `LOG_LEVEL=info`, so that the log says how every instance loaded and how every
request ended: the suite fails a target whose instance did not restore the snapshot, or that
logged a disconnect (no behaviour of the suite leaves early: Deno's `request.signal` aborts after a
complete answer too, which must not read as a client gone).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from .runtimes import ROOT, free_port, serve
from .suite import Target


@contextmanager
def serve_pyodide(name: str, command: Sequence[str], snapshot: Sequence[str], fake_url: str) -> Iterator[Target]:
    subprocess.run(list(snapshot), cwd=ROOT, env={**os.environ, "DENO_NO_UPDATE_CHECK": "1"}, check=True, capture_output=True, timeout=300)
    port = free_port()
    # Nothing may leave the machine: no update check (Deno's; Bun's telemetry is off in bunfig.toml).
    env = {"PORT": str(port), "HOST": "127.0.0.1", "GEMINI_BASE_URL": fake_url, "LOG_LEVEL": "info", "DENO_NO_UPDATE_CHECK": "1"}
    with tempfile.TemporaryFile() as log:
        with serve(command, f"http://127.0.0.1:{port}/", env=env, log=log) as base_url:
            yield Target(name, base_url)
        check_log(log)


def log_lines(log: IO[bytes]) -> list[dict]:
    """The JSON lines of a server's output: the cold start's, then one per request."""
    log.seek(0)
    lines = []
    for line in log.read().decode(errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def check_log(log: IO[bytes]) -> None:
    lines = log_lines(log)
    loads = [line["snapshot"] for line in lines if "cold_start_ms" in line]
    if loads != ["restored"]:
        raise AssertionError(f"one instance, restored from its snapshot, was expected: {loads}")
    check_no_disconnects(lines)


def check_no_disconnects(lines: list[dict]) -> None:
    """Requests were logged, and none as a disconnect (no behaviour of the suite leaves early)."""
    requests = [line for line in lines if "request_id" in line]
    gone = [line for line in requests if line.get("disconnected") or line.get("status") == 499]
    if not requests or gone:
        raise AssertionError(f"{len(requests)} requests logged, {len(gone)} as disconnected: {gone[:3]}")
