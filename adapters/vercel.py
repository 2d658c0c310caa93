"""Vercel's entry: the Python runtime serves the ASGI `app` it finds at the top of this file.

`vercel.json` names this file in `builds`, so Vercel's zero-config detection (which looks for
app.py, index.py, main.py, ... at the root and in src/, app/ and api/) never picks another one.
The runtime runs ASGI apps under its vendored uvicorn and streams their responses.
"""

from adapters.app import app

__all__ = ["app"]
