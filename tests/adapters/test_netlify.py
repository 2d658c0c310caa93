"""The Netlify function's own tests (Node's test runner, adapters/netlify/test), run as part of pytest.

They drive the function's exported handler with real `Request` objects against the fake Gemini
server; tests/platforms/target_netlify.py runs the same function through netlify-cli.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FUNCTION = Path(__file__).resolve().parents[2] / "adapters" / "netlify"


def test_the_netlify_function_passes_its_node_tests():
    # The Node tests start the fake Gemini with $PYTHON: this interpreter, which has the test deps.
    result = subprocess.run(["npm", "test", "--silent"], cwd=FUNCTION, env={**os.environ, "PYTHON": sys.executable},
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "# fail 0" in result.stdout and "# pass " in result.stdout


def test_the_function_is_mounted_on_every_route_the_core_serves():
    """Netlify calls the function only for paths its `config.path` lists (with or without /v1)."""
    import fnmatch
    import json
    import re

    from core.routing import _ROUTES

    source = (FUNCTION / "functions" / "gateway.mjs").read_text()
    paths = json.loads(re.search(r"path:\s*(\[[^\]]*\])", source).group(1))
    served = ["/v1/models/x", "/v1beta/models/m:generateContent", "/upload/v1beta/files", "/models/x"]
    for route in [*_ROUTES, *(f"/v1{route}" for route in _ROUTES), *served]:
        assert any(fnmatch.fnmatchcase(route, pattern) for pattern in paths), route
