"""CI runs the README's test command, which lints before it tests."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "# The README's test command, exactly:"


def test_ci_runs_the_readmes_test_command_which_lints_first():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = lines[lines.index(MARK) + 1]
    for document in ("README.md", "README.zh-CN.md", "CONTRIBUTING.md"):
        assert command in (ROOT / document).read_text(encoding="utf-8"), document
    assert command.index("ruff check .") < command.index("&& mypy &&") < command.index("python -m pytest")


def test_the_linters_are_development_requirements():
    requirements = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert re.search(r"^ruff>=", requirements, re.M) and re.search(r"^mypy>=", requirements, re.M)
