"""Starting a platform's real runtime as a child process, for the behaviour suite."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "platforms"  # git-ignored; environments are reused between runs
JS = ROOT / "tests" / "platforms" / "js"  # Node 24, Deno, Bun and wrangler, from npm (its package.json)


def python(version: str) -> str:
    """An interpreter for `version` ("3.12") that runs: one pyenv installed, or on PATH."""
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    candidates.append(shutil.which(f"python{version}") or "")
    for candidate in filter(None, candidates):
        # pyenv's shims are on PATH but refuse to run a version that is not selected.
        if subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    raise RuntimeError(f"Python {version} is needed for this platform's runtime; install it (e.g. with pyenv)")


def environment(name: str, version: str, requirements: Sequence[str]) -> Path:
    """A virtual environment with `requirements` installed (pip arguments), made once and kept."""
    path = CACHE / name
    stamp = path / ".installed"
    # The files named with -r are part of what is wanted: an edited requirements file rebuilds.
    wanted = "\n".join([" ".join(requirements), *(_requirement_lines(Path(file)) for flag, file in
                                                  itertools.pairwise(requirements) if flag == "-r")])
    if not (stamp.exists() and stamp.read_text() == wanted):
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run([python(version), "-m", "venv", str(path)], check=True)
        subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", *requirements], check=True)
        stamp.write_text(wanted)
    return path


def _requirement_lines(file: Path) -> str:
    """A requirements file's text with the files it includes (`-r other.txt`) spliced in."""
    lines = []
    for line in file.read_text().splitlines():
        if line.startswith("-r "):
            lines.append(_requirement_lines(file.parent / line[3:].strip()))
        else:
            lines.append(line)
    return "\n".join(lines)


def read_toml(path: Path) -> dict:
    """A TOML file (netlify.toml, pyproject.toml, wrangler.toml) as a deployer's tool reads it."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(path.read_text())


def js_runtime(name: str) -> str:
    """The path of `name` (node, deno, bun, wrangler) as tests/platforms/js installs it from npm."""
    path = JS / "node_modules" / ".bin" / name
    if not path.exists():
        raise RuntimeError(f"{name} is not installed: run `npm ci --prefix tests/platforms/js`")
    return str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(command: Sequence[str], url: str, *, env: Mapping[str, str], cwd: Path = ROOT, timeout: float = 60,
          log: IO[bytes] | None = None) -> Iterator[str]:
    """Run `command` until `url` answers, yield `url`, then stop the process (and its children).
    Its output goes to `log` (a file, for a process that logs every request) or to a pipe."""
    process = subprocess.Popen(list(command), cwd=cwd, env={**os.environ, **env}, stdout=log or subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{_output(process, log)}")
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{' '.join(command)} did not answer at {url} within {timeout} s") from None
                time.sleep(0.2)
        yield url.rstrip("/")
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
        if process.stdout:
            process.stdout.close()


def _output(process: subprocess.Popen, log: IO[bytes] | None) -> str:
    if log is None:
        return process.stdout.read().decode(errors="replace")
    log.seek(0)
    return log.read().decode(errors="replace")[-4000:]


__all__ = ["CACHE", "JS", "ROOT", "environment", "free_port", "js_runtime", "python", "read_toml", "serve"]
