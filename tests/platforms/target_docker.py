"""Docker: the Dockerfile's exact CMD, ENV and WORKDIR, run without a daemon (tests/platforms/docker.py).

The base image is python:3.12-slim: the command runs on this machine's Python 3.12, in an
environment holding what the Dockerfile's `pip install` installs, in a folder laid out as its COPY
instructions fill /app. PORT is set as Cloud Run and Render set it, to show the command listens
where it is told. Once served, the image's HEALTHCHECK command must pass against it.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

from .docker import lay_out, read_image
from .runtimes import ROOT, environment, free_port, serve
from .suite import Target

NAME = "docker"


def docker_command(port: int, fake_url: str, log_level: str = "warning") -> tuple[list[str], dict[str, str], Path, list[str]]:
    """The image's CMD (its `python`: this machine's 3.12 with what the image installs), its ENV with
    PORT set, the folder its WORKDIR holds, and its HEALTHCHECK command."""
    image = read_image()
    assert image.base == "python:3.12-slim", image.base
    assert image.runs[0] == "pip install --no-cache-dir -r requirements.txt", image.runs
    python = str(environment("docker", "3.12", ["-r", str(ROOT / "requirements.txt")]) / "bin" / "python")
    env = {**image.env, "PORT": str(port), "GEMINI_BASE_URL": fake_url, "LOG_LEVEL": log_level}
    local = [python if part == "python" else part for part in image.cmd]
    health = [python if part == "python" else part for part in image.healthcheck]
    return local, env, lay_out(image, python), health


@contextmanager
def start(fake_url: str):
    port = free_port()
    command, env, app, health = docker_command(port, fake_url)
    with serve(command, f"http://127.0.0.1:{port}/", env=env, cwd=app) as base_url:
        subprocess.run(health, env={**os.environ, **env}, cwd=app, check=True, timeout=10)
        yield Target(NAME, base_url)
