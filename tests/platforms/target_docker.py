"""Docker: the Dockerfile's exact CMD, ENV and WORKDIR, run without a daemon (tests/platforms/docker.py).

The base image is python:3.12-slim: the command runs on this machine's Python 3.12, in an
environment holding what the Dockerfile's `pip install` installs, in a folder laid out as its COPY
instructions fill /app. PORT is set as Cloud Run and Render set it, to show the command listens
where it is told. Once served, the image's HEALTHCHECK command must pass against it.
"""

from __future__ import annotations

import subprocess
from contextlib import contextmanager

from .docker import lay_out, read_image
from .runtimes import ROOT, environment, free_port, serve
from .suite import Target

NAME = "docker"


@contextmanager
def start(fake_url: str):
    image = read_image()
    assert image.base == "python:3.12-slim", image.base
    assert image.runs[0] == "pip install --no-cache-dir -r requirements.txt", image.runs
    python = str(environment("docker", "3.12", ["-r", str(ROOT / "requirements.txt")]) / "bin" / "python")
    app = lay_out(image)
    port = free_port()
    env = {**image.env, "PORT": str(port), "GEMINI_BASE_URL": fake_url, "LOG_LEVEL": "warning"}
    command = [python if part == "python" else part for part in image.cmd]
    with serve(command, f"http://127.0.0.1:{port}/", env=env, cwd=app) as base_url:
        health = [python if part == "python" else part for part in image.healthcheck]
        subprocess.run(health, env=env, cwd=app, check=True, timeout=10)
        yield Target(NAME, base_url)
