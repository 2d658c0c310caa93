"""Vercel's configuration, as Vercel's own code reads it (tests/platforms/js/vercel-detect.cjs runs
the @vercel/python builder's detection, its framework detection and its manifest discovery).

https://vercel.com/docs/project-configuration for vercel.json; vercel/vercel packages/python
(src/entrypoint.ts getVercelToolsEntrypoint, src/index.ts getPythonLambdaOptions) for the rest.
"""

from __future__ import annotations

import json
import re

from .runtimes import ROOT, read_toml
from .target_vercel import detected


def _requirements() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines())
    return [re.sub(r"\s*;\s*", "; ", line) for line in lines if line]


def test_the_builder_finds_the_app_that_pyproject_names():
    found = detected()
    assert found["framework"] == "python"  # Vercel's generic Python preset: every path to the one function
    assert found["entrypoint"] == {"kind": "py-module:attr", "entrypoint": "adapters.vercel:app"}
    assert found["entrypoint"]["entrypoint"] == read_toml(ROOT / "pyproject.toml")["tool"]["vercel"]["entrypoint"]


def test_the_builder_installs_what_requirements_txt_lists():
    """With a pyproject.toml, the builder reads its [project] dependencies and never requirements.txt."""
    manifest = detected()["manifest"]
    assert manifest["path"] == "pyproject.toml"
    assert manifest["dependencies"] == _requirements()


def test_vercel_json_is_the_current_form():
    config = json.loads((ROOT / "vercel.json").read_text())
    assert "builds" not in config and "routes" not in config  # legacy: `builds` rules out `functions`
    assert config["fluid"] is True
    # The key is the entry file the builder resolves (getPythonLambdaOptions matches it against `functions`).
    module = detected()["entrypoint"]["entrypoint"].split(":")[0]
    assert config["functions"] == {f"{module.replace('.', '/')}.py": {"maxDuration": 300}}  # Hobby's maximum
    assert config["regions"] == ["iad1"]
