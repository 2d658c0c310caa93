"""Vercel's entry: the Python runtime serves the ASGI `app` of this module.

pyproject.toml's `[tool.vercel] entrypoint = "adapters.vercel:app"` names it: the current
@vercel/python builder takes a declared entrypoint before any file-name detection (which looks
for app.py, index.py, main.py, ... at the root and in src/, app/ and api/). The runtime runs ASGI
apps under its vendored uvicorn and streams their responses.
"""

from adapters.startup import ModulesLoading

with ModulesLoading():
    from adapters.app import app

__all__ = ["app"]
