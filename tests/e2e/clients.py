"""The real npm clients the end-to-end tests drive, and a trap that proves they reach nothing but 127.0.0.1.

The packages live in tests/e2e/clients/ (package.json + package-lock.json); install them with
`npm ci --prefix tests/e2e/clients`. Codex runs with HTTP(S)_PROXY / ALL_PROXY pointing at a `Trap`
on 127.0.0.1 and NO_PROXY=127.0.0.1 (its Rust HTTP client and git honour them): a call meant for the
internet lands in the trap, which records it and hangs up, and the tests assert the trap saw nothing
(with its default plugin sync and analytics on, the trap sees github.com, api.github.com, chatgpt.com
and ab.chatgpt.com). Node's fetch ignores proxy variables, so the Node scripts replace `fetch` with one
that refuses any host but 127.0.0.1 and report what it refused.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.platforms.runtimes import js_runtime

CLIENTS = Path(__file__).parent / "clients"
NODE_MODULES = CLIENTS / "node_modules"
INSTALL = "npm ci --prefix tests/e2e/clients"


def require_installed(*packages: str) -> None:
    missing = [name for name in packages if not (NODE_MODULES / name / "package.json").exists()]
    if missing:
        raise RuntimeError(f"{', '.join(missing)} not installed: run `{INSTALL}`")


class Trap:
    """A TCP listener on 127.0.0.1 that records what connects (the first bytes: a proxy CONNECT line) and hangs up."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.seen: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="proxy-trap", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Proxy variables that send every non-local request into the trap."""
        names = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")
        return {**{name: self.url for name in names}, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.seen.append(conn.recv(200))
                except OSError:
                    self.seen.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


def run_node(script: str, env: dict[str, str], *args: str, timeout: float = 60) -> dict[str, Any]:
    """Run tests/e2e/clients/<script> on Node 24 (the clients need Node >= 22; tests/platforms/js installs it);
    it prints one JSON object (what it sent and got) last."""
    done = subprocess.run([js_runtime("node"), str(CLIENTS / script), *args], cwd=CLIENTS, env={**os.environ, **env},
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{script} {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])
