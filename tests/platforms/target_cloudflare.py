"""Cloudflare Workers: wrangler.toml's Python entry under Pyodide in Node, with a shim of the `workers`
module written from Cloudflare's documented API (tests/platforms/cloudflare/).

workerd (npm) cannot run a Python Worker offline: it downloads its Pyodide bundle when it starts.
So this runs wrangler.toml's `[build]` command (which stages the modules wrangler uploads, as
`wrangler deploy --dry-run` shows: tests/platforms/test_cloudflare_config.py), then the `main`
module among them on the Pyodide this project pins, behind node:http, one `Default(ctx, env)` per
request, with the Worker's `[vars]` as its env. The shim logs each request's
CPU time (bench/cloudflare_cpu.py reads it); the target fails if a complete answer logs as a disconnect.
The shell has no MP3 encoder, so the suite expects MP3 speech refused (`mp3=False`).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from contextlib import contextmanager

from .pyodide_servers import check_no_disconnects, log_lines
from .runtimes import ROOT, free_port, js_runtime, read_toml, serve
from .suite import Target

NAME = "cloudflare"
SHIM = ROOT / "tests" / "platforms" / "cloudflare" / "serve.mjs"


def worker_command(port: int, fake_url: str, log_level: str = "info") -> tuple[list[str], dict[str, str]]:
    """wrangler.toml's build run; the shim's command line serving its `main` on `port`, and its environment."""
    config = read_toml(ROOT / "wrangler.toml")
    subprocess.run(config["build"]["command"], shell=True, cwd=ROOT, check=True, capture_output=True)
    main = ROOT / config["main"]
    env = {**config.get("vars", {}), "GEMINI_BASE_URL": fake_url, "LOG_LEVEL": log_level}
    return [js_runtime("node"), str(SHIM), str(port), str(main.parent), main.stem], {"WORKER_ENV": json.dumps(env)}


@contextmanager
def start(fake_url: str):
    port = free_port()
    command, env = worker_command(port, fake_url)
    with tempfile.TemporaryFile() as log:
        with serve(command, f"http://127.0.0.1:{port}/", env=env, log=log, timeout=120) as base_url:
            yield Target(NAME, base_url, mp3=False)
        check_no_disconnects(log_lines(log))
