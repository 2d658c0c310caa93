"""Serve the gateway with uvicorn: `python -m adapters.local [--host H] [--port P]`.

The port comes from `--port`, else `$PORT`, else 8080. The configuration is checked before the
server starts, so a bad environment variable stops it with a message naming the variable.
"""

from __future__ import annotations

import argparse
import os
import sys

from core.config import settings_from_env
from core.errors import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.local", description="Run the Gemini OpenAI-compatible gateway.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"), help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")), help="port (default $PORT or 8080)")
    args = parser.parse_args(argv)

    try:
        settings = settings_from_env(os.environ)  # also refuses GEMINI_API_KEY without AUTH_TOKEN, and the reverse
    except ConfigError as error:
        print(f"configuration error: {error.message}", file=sys.stderr)
        return 2

    import uvicorn

    from .app import Gateway

    mode = "server-held keys (clients send an AUTH_TOKEN)" if settings.server_keys else "pass-through (clients send their Gemini key)"
    print(f"gateway: http://{args.host}:{args.port}/v1 — {mode}", file=sys.stderr, flush=True)
    # No proxy_headers: the gateway never looks at client addresses, and the middleware costs time.
    uvicorn.run(Gateway(settings, platform="local"), host=args.host, port=args.port, log_level="warning", access_log=False,
                lifespan="on", proxy_headers=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
