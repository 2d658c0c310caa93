"""Vercel: the entrypoint Vercel's Python builder resolves, served by `vercel-runtime`'s own dev server.

The app is the one pyproject.toml's `[tool.vercel] entrypoint` names ("module:object"), which the
current @vercel/python builder reads (tests/platforms/test_vercel_config.py runs the builder's own
detection on this project). `vercel-runtime` (PyPI, Python >= 3.12) is the production Python
runtime, at the version that builder installs into every function; its `dev.main()` is what
`vercel dev` starts: it imports the entry file by path, as the deployed function's trampoline does,
and serves the ASGI app with the runtime's vendored uvicorn.
"""

from __future__ import annotations

import json
import subprocess
from contextlib import contextmanager
from functools import cache

from .runtimes import JS, ROOT, environment, free_port, js_runtime, read_toml, serve
from .suite import Target

NAME = "vercel"


@cache
def detected() -> dict:
    """What Vercel's own code decides for this project (tests/platforms/js/vercel-detect.cjs)."""
    result = subprocess.run([js_runtime("node"), str(JS / "vercel-detect.cjs"), str(ROOT)], capture_output=True,
                            text=True, check=True, timeout=120)
    return json.loads(result.stdout)


def runtime_environment():
    """Python 3.12 with the builder's vercel-runtime and the app's dependencies (pyproject's, as the builder reads them)."""
    dependencies = read_toml(ROOT / "pyproject.toml")["project"]["dependencies"]
    return environment("vercel", "3.12", [f"vercel-runtime=={detected()['runtime']}", *dependencies])


def command_and_env(port: int, fake_url: str, log_level: str = "warning") -> tuple[list[str], dict[str, str]]:
    """The dev server's command line and environment, serving the entrypoint on `port`."""
    module, _, variable = read_toml(ROOT / "pyproject.toml")["tool"]["vercel"]["entrypoint"].partition(":")
    entry = ROOT / f"{module.replace('.', '/')}.py"
    # The variables @vercel/python's startDevServer sets for the runtime (start-dev-server.ts).
    env = {
        "PORT": str(port),
        "VERCEL_DEV_MODULE_NAME": module,
        "VERCEL_DEV_ENTRY_ABS": str(entry),
        "VERCEL_DEV_FRAMEWORK": "python",
        "VERCEL_DEV_VARIABLE_NAME": variable,
        # Set in every deployment ("System Environment Variables", exposed by default): the page names Vercel by it.
        "VERCEL": "1",
        "GEMINI_BASE_URL": fake_url,
        "LOG_LEVEL": log_level,
        "PYTHONPATH": str(ROOT),
    }
    return [str(runtime_environment() / "bin" / "python"), "-c", "from vercel_runtime.dev import main; main()"], env


@contextmanager
def start(fake_url: str):
    port = free_port()
    command, env = command_and_env(port, fake_url)
    with serve(command, f"http://127.0.0.1:{port}/", env=env) as base_url:
        yield Target(NAME, base_url)
