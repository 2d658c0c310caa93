"""Alibaba Cloud FC: s.yaml's exact customRuntimeConfig command, with Python 3.10, on port 9000.

The code is laid out as FC extracts it to /code (the package `s deploy` would zip, plus the
dependencies its pre-deploy step installs into ./python), and started with the command, args and
environment from s.yaml — `/var/fc/lang/python3.10/...` being this machine's Python 3.10.
"""

from __future__ import annotations

from contextlib import contextmanager

from .fc import gateway_resource, lay_out_code
from .runtimes import python, serve
from .suite import Target

NAME = "aliyun-fc"
FC_PYTHON = "/var/fc/lang/python3.10/bin/python3.10"


@contextmanager
def start(fake_url: str):
    props = gateway_resource()["props"]
    runtime = props["customRuntimeConfig"]
    code = lay_out_code()
    command = [python("3.10") if part == FC_PYTHON else part for part in runtime["command"]] + runtime["args"]
    env = {key: value.replace("/code", str(code)) for key, value in props["environmentVariables"].items()}
    # FC sets FC_FUNCTION_NAME (a system variable) in every instance; the page names FC by it.
    env.update(FC_FUNCTION_NAME=props["functionName"], GEMINI_BASE_URL=fake_url, LOG_LEVEL="warning")
    with serve(command, f"http://127.0.0.1:{runtime['port']}/", env=env, cwd=code) as base_url:
        yield Target(NAME, base_url)
