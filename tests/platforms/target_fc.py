"""Alibaba Cloud FC: s.yaml's exact customRuntimeConfig command, with Python 3.12 (custom.debian11), on port 9000.

The code is laid out as FC extracts it to /code (the package `s deploy` would zip, plus the
dependencies its pre-deploy step installs into ./python), and started with the command, args and
environment from s.yaml — `/var/fc/lang/python3.12/...` being this machine's Python 3.12.
target_fc310.py does the same with s.debian10.yaml (custom.debian10, Python 3.10).
"""

from __future__ import annotations

from contextlib import contextmanager

from .fc import command, gateway_resource, lay_out_code
from .runtimes import serve
from .suite import Target

NAME = "aliyun-fc"


@contextmanager
def start(fake_url: str, file: str = "s.yaml", name: str = NAME):
    props = gateway_resource(file=file)["props"]
    code = lay_out_code(file)
    env = {key: value.replace("/code", str(code)) for key, value in props["environmentVariables"].items()}
    # FC sets FC_FUNCTION_NAME (a system variable) in every instance; the page names FC by it.
    env.update(FC_FUNCTION_NAME=props["functionName"], GEMINI_BASE_URL=fake_url, LOG_LEVEL="warning")
    with serve(command(file), f"http://127.0.0.1:{props['customRuntimeConfig']['port']}/", env=env, cwd=code) as base_url:
        yield Target(name, base_url)
