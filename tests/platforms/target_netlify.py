"""The Netlify function under `netlify functions:serve --offline`: netlify-cli bundles it as a deploy
would (zip-it-and-ship-it, netlify.toml's included_files) and runs it in Node with Pyodide.

It runs on the Node that netlify.toml's NODE_VERSION names (Node 24, from npm: tests/platforms/js),
in a copy of the project built as netlify.toml's build command builds it: the runtime packages,
then the memory snapshot, which every instance must have restored (its log line says so).
netlify-cli is a devDependency of adapters/netlify, installed by `npm ci --prefix adapters/netlify`
(.ci/run does it). It starts a fresh worker for every request, so each request here pays the
cold start (a snapshot restore); a deployed instance pays it once. It serves a copy of the project:
netlify-cli writes its bundle into the project's .netlify/, which would otherwise land in the work
tree and be shared by every run there at the same time.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from .runtimes import js_runtime, read_toml
from .suite import Target

NAME = "netlify"
ROOT = Path(__file__).resolve().parents[2]
FUNCTION = ROOT / "adapters" / "netlify"
CLI = FUNCTION / "node_modules" / ".bin" / "netlify"
STARTUP_SECONDS = 120


@contextmanager
def start(fake_url: str):
    if not CLI.exists():
        raise RuntimeError("netlify-cli is not installed: run `npm ci --prefix adapters/netlify`")
    port = _free_port()
    node = Path(js_runtime("node")).resolve()
    _check_node_version(node)
    # CI=true: netlify-cli sends no telemetry (it checks ci-info), as nothing here may leave the machine.
    env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ['PATH']}", "GEMINI_BASE_URL": fake_url,
           "LOG_LEVEL": "warning", "CI": "true"}
    with tempfile.TemporaryDirectory() as site, tempfile.TemporaryFile() as log:
        _copy_project(Path(site))
        _build(Path(site), env)
        process = subprocess.Popen([str(CLI), "functions:serve", "--offline", "--port", str(port)], cwd=site, env=env,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_up(base_url, process, log)
            _check_restored(log)
            yield Target(NAME, base_url, remembers=False)  # a fresh worker per request
            _check_restored(log)  # every instance the suite started
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # its own process group: netlify-cli and its workers
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _copy_project(site: Path) -> None:
    """What a deploy builds from: netlify.toml, the Python sources, the function's runtime packages."""
    shutil.copy(ROOT / "netlify.toml", site)
    for folder in ("core", "adapters"):
        shutil.copytree(ROOT / folder, site / folder, ignore=shutil.ignore_patterns("__pycache__", "node_modules", "snapshot"))
    listed = subprocess.run(["npm", "ls", "--omit=dev", "--all", "--parseable"], cwd=FUNCTION, check=True,
                            capture_output=True, text=True).stdout.split()  # the folder itself, then pyodide and its own
    for package in map(Path, listed[1:]):
        shutil.copytree(package, site / package.relative_to(ROOT))


def _build_steps() -> list[str]:
    """netlify.toml's build command, step by step."""
    return [step.strip() for step in _netlify_toml()["build"]["command"].split("&&")]


def _netlify_toml() -> dict:
    return read_toml(ROOT / "netlify.toml")


def _check_node_version(node: Path) -> None:
    wanted = _netlify_toml()["build"]["environment"]["NODE_VERSION"]
    version = subprocess.run([str(node), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if not version.startswith(f"v{wanted}."):
        raise RuntimeError(f"netlify.toml's NODE_VERSION is {wanted}, tests/platforms/js installs Node {version}")


def _build(site: Path, env: dict) -> None:
    """The build command's steps after `npm ci` (which _copy_project stands for), run in the copy."""
    first, *rest = _build_steps()
    assert first == "npm ci --prefix adapters/netlify --omit=dev", first
    for step in rest:
        subprocess.run(step, shell=True, cwd=site, env=env, check=True, capture_output=True)


def _check_restored(log) -> None:
    """Every instance started so far restored the snapshot (pyodide.mjs logs how it loaded)."""
    log.seek(0)
    text = log.read().decode(errors="replace")
    loads = re.findall(r'"snapshot":"([^"]*)"', text)
    if not loads or set(loads) != {"restored"}:
        raise RuntimeError(f"the function did not restore its snapshot: {loads}\n{text[-3000:]}")


def _wait_until_up(base_url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{base_url}/", timeout=30).status_code == 200:  # the landing page: Pyodide loaded
                return
        except httpx.TransportError:
            time.sleep(0.5)
    log.seek(0)
    raise RuntimeError(f"netlify functions:serve did not serve {base_url}:\n{log.read().decode(errors='replace')[-3000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
