"""The Netlify function's own tests (Node's test runner, adapters/netlify/test), run as part of pytest.

They drive the function's exported handler with real `Request` objects against the fake Gemini
server; tests/platforms/target_netlify.py runs the same function through netlify-cli.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.platforms.runtimes import js_runtime

FUNCTION = Path(__file__).resolve().parents[2] / "adapters" / "netlify"


def test_the_netlify_function_passes_its_node_tests():
    # On the Node netlify.toml names (Node 24, from npm: tests/platforms/js), not the machine's.
    # The Node tests start the fake Gemini with $PYTHON: this interpreter, which has the test deps.
    node = Path(js_runtime("node")).resolve()
    env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ['PATH']}", "PYTHON": sys.executable}
    result = subprocess.run([str(node), "--test", "--test-reporter=tap", "test/*.test.mjs"], cwd=FUNCTION, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
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


def test_the_bundle_holds_every_python_file_the_snapshot_vouches_for():
    """A file the snapshot hashes but the bundle lacks would make every instance load from scratch."""
    import fnmatch
    import json

    from tests.platforms.runtimes import read_toml

    included = read_toml(FUNCTION.parents[1] / "netlify.toml")["functions"]["included_files"]
    result = subprocess.run([js_runtime("node"), "--input-type=module", "-e", """
        import { loadGateway, importedSources } from "./pyodide.mjs";
        console.log(JSON.stringify(importedSources(await loadGateway())));"""],
                            cwd=FUNCTION, capture_output=True, text=True, timeout=300, check=True)
    files = json.loads(result.stdout.strip().splitlines()[-1])
    assert "core/call.py" in files and "adapters/netlify/bridge.py" in files
    for file in files:
        assert any(fnmatch.fnmatchcase(file, pattern.replace("**/", "*")) for pattern in included), file
