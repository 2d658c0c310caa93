"""Alibaba Cloud Function Compute 3.0: the gateway as a custom-runtime web function.

s.yaml starts `python3.12 -m adapters.aliyun_fc` in FC's `custom.debian11` runtime (s.debian10.yaml:
`python3.10`, `custom.debian10`). FC forwards
each HTTP request to the server listening on 0.0.0.0:<CAPort> (9000; 127.0.0.1 fails with
FunctionNotStarted) and streams a response that is sent chunked — which uvicorn does for every
answer without a Content-Length, so server-sent events reach the client as they are written.
FC's built-in Python runtimes cannot stream at all; that is why this is a custom runtime.
"""

from __future__ import annotations

import os

from adapters.startup import ModulesLoading

with ModulesLoading():
    import uvicorn

    from adapters.app import app


def main() -> None:
    # FC_SERVER_PORT is the CAPort FC configured (customRuntimeConfig.port).
    port = int(os.environ.get("FC_SERVER_PORT", "9000"))
    uvicorn.run(app, host="0.0.0.0", port=port, log_level="warning", access_log=False, lifespan="on", proxy_headers=False)


if __name__ == "__main__":
    main()
