"""wrangler.toml, as wrangler itself reads it: `wrangler deploy --dry-run` builds the Worker offline.

https://developers.cloudflare.com/workers/wrangler/configuration/ for the keys; the Python flag from
https://developers.cloudflare.com/workers/languages/python/. wrangler is the npm package in tests/platforms/js.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from .runtimes import ROOT, js_runtime, read_toml


def test_the_worker_is_a_python_worker_placed_where_gemini_serves():
    config = read_toml(ROOT / "wrangler.toml")
    assert "python_workers" in config["compatibility_flags"] and config["main"].endswith(".py")
    # A cloud region in the US: never a data centre in Hong Kong or mainland China for any client.
    assert config["placement"] == {"region": "gcp:us-east4"}


def test_wrangler_builds_the_worker_offline_with_the_runtime_modules_only(tmp_path):
    node = Path(js_runtime("node")).resolve()
    env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ['PATH']}", "CI": "true",
           "WRANGLER_SEND_METRICS": "false"}
    result = subprocess.run([js_runtime("wrangler"), "deploy", "--dry-run", "--outdir", str(tmp_path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "--dry-run: exiting now." in result.stdout
    uploaded = sorted(re.findall(r"│ (\S+\.py)\s+│ python", result.stdout))
    core = sorted(f"core/{path.name}" for path in (ROOT / "core").glob("*.py"))
    # Beside the main module (the entry), only what it imports: nothing of tests/, build/ or any node_modules.
    assert uploaded == sorted(["adapters/__init__.py", "adapters/fetched.py", "adapters/logs.py", *core])
    assert (tmp_path / "entry.py").read_text() == (ROOT / "adapters" / "cloudflare" / "entry.py").read_text()
