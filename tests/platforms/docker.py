"""Reading the Dockerfile the way `docker build` does, without a Docker daemon (there is none here).

What the image holds is laid out as a folder: the files its COPY instructions copy, as .dockerignore
filters the build context; what its RUN instructions install goes in a Python environment of the
base image's version; its ENV, WORKDIR, HEALTHCHECK and CMD are read as Docker reads them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .runtimes import CACHE, ROOT


@dataclass(frozen=True)
class Image:
    base: str
    env: dict[str, str]
    workdir: str
    copies: list[tuple[str, str]]  # (source in the context, destination in the image)
    runs: list[str]
    user: str
    healthcheck: list[str]
    cmd: list[str]


def read_image(dockerfile: Path = ROOT / "Dockerfile") -> Image:
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(str(dockerfile))
    steps = [(step["instruction"], step["value"]) for step in parser.structure]
    exec_form = [json.loads(value) for instruction, value in steps if instruction == "CMD"]
    health = next(value for instruction, value in steps if instruction == "HEALTHCHECK")
    copies = [tuple(value.split()) for instruction, value in steps if instruction == "COPY"]
    return Image(base=parser.baseimage, env=dict(parser.envs), workdir=next(v for i, v in steps if i == "WORKDIR"),
                 copies=copies, runs=[v for i, v in steps if i == "RUN"], user=next(v for i, v in steps if i == "USER"),
                 healthcheck=json.loads(health[health.index("CMD") + 3:].strip()), cmd=exec_form[-1])


def _regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go's filepath.Match, plus `**` for any number of folders) as a regex."""
    out = ""
    for token in re.split(r"(\*\*/?|\*|\?)", pattern.strip("/")):
        out += {"**/": "(.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(token, re.escape(token))
    return re.compile(f"{out}$")


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parents decides; `!` keeps it."""
    ignored = False
    parts = path.split("/")
    for pattern in patterns:
        regex = _regex(pattern.removeprefix("!"))
        if any(regex.match("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            ignored = not pattern.startswith("!")
    return ignored


def context_files() -> list[str]:
    """The build context `docker build .` sends: every file here that .dockerignore keeps."""
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    kept = [pattern[1:].strip("/") for pattern in patterns if pattern.startswith("!")]
    files = []
    for folder, dirs, names in os.walk(ROOT):
        here = Path(folder).relative_to(ROOT).as_posix().removeprefix(".")
        # A folder that is ignored and that no `!` pattern reaches into is not walked (node_modules).
        dirs[:] = [d for d in dirs if not (dockerignored(f"{here}/{d}".lstrip("/"), patterns)
                                            and not any(k.startswith(f"{here}/{d}".lstrip("/")) for k in kept))]
        files += [f"{here}/{name}".lstrip("/") for name in names]
    return sorted(file for file in files if not dockerignored(file, patterns))


def lay_out(image: Image, python: str) -> Path:
    """The image's WORKDIR as a folder: what each COPY copies from the context, then the RUN steps
    that work on it (compileall: the image ships bytecode) run with `python`."""
    target = CACHE / "docker-app"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    context = context_files()
    for source, destination in image.copies:
        for file in context:
            if file == source or file.startswith(f"{source}/"):
                out = target / destination / (Path(file).name if file == source else Path(file).relative_to(source))
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / file, out)
    for run in image.runs:
        for step in run.split("&&"):
            command = step.split()
            if command[:3] == ["python", "-m", "compileall"]:
                subprocess.run([python, *command[1:]], cwd=target, check=True)
    return target
