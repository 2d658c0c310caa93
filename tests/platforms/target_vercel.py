"""Vercel: the module vercel.json names, served by `vercel-runtime`'s own dev server.

`vercel-runtime` (PyPI, Python >= 3.12) is the production Python runtime; its `dev.main()` is what
`vercel dev` starts: it imports the entry file by path, as the deployed function's trampoline does,
and serves the ASGI app with the runtime's vendored uvicorn.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

from .runtimes import ROOT, environment, free_port, serve
from .suite import Target

NAME = "vercel"
VERCEL_RUNTIME = "vercel-runtime==0.24.1"


@contextmanager
def start(fake_url: str):
    entry = json.loads((ROOT / "vercel.json").read_text())["builds"][0]["src"]
    env_dir = environment("vercel", "3.12", [VERCEL_RUNTIME, "-r", str(ROOT / "requirements.txt")])
    port = free_port()
    # The variables @vercel/python's startDevServer sets for the runtime (start-dev-server.ts).
    env = {
        "PORT": str(port),
        "VERCEL_DEV_MODULE_NAME": entry.removesuffix(".py").replace("/", "."),
        "VERCEL_DEV_ENTRY_ABS": str(ROOT / entry),
        "VERCEL_DEV_FRAMEWORK": "python",
        "VERCEL_DEV_VARIABLE_NAME": "app",
        # Set in every deployment ("System Environment Variables", exposed by default): the page names Vercel by it.
        "VERCEL": "1",
        "GEMINI_BASE_URL": fake_url,
        "LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
    }
    command = [str(env_dir / "bin" / "python"), "-c", "from vercel_runtime.dev import main; main()"]
    with serve(command, f"http://127.0.0.1:{port}/", env=env) as base_url:
        yield Target(NAME, base_url)
