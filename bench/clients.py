"""Which HTTP client should call Gemini: a minimal proxy per client, and what each costs to import.

    python -m bench.clients [--seconds 5]

Each candidate is the smallest proxy one can write with it — a raw ASGI app under uvicorn (uvloop,
httptools) that forwards the request body to the fake upstream's `generateContent` and returns its
answer — so the figures are the client's, not the gateway's. Reported at 8 connections as a ratio
to calling the fake upstream directly, and, per client, the wall time of importing it against
`python -c pass`, in one clean environment (build/platforms/bench-clients) made on first use.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run import GEMINI, KEY, ROOT, ensure_wrk, free_port, process, wrk

PACKAGES = ["-r", str(ROOT / "requirements.txt"), "httpx==0.28.1", "httpx2==2.16.2", "httpx-aiohttp==0.2.0",
            "aiohttp==3.14.5"]

# name → (the import a deployment would pay, the proxy's setup, the proxy's call returning (status, body)).
CANDIDATES = {
    "httpx (default transport)": (
        "import httpx",
        "import httpx\nclient = httpx.AsyncClient(base_url=UPSTREAM, limits=httpx.Limits(max_keepalive_connections=100))",
        "r = await client.post(PATH, content=body, headers=HEADERS)\nreturn r.status_code, r.content",
    ),
    "httpx2": (
        "import httpx2",
        "import httpx2\nclient = httpx2.AsyncClient(base_url=UPSTREAM)",
        "r = await client.post(PATH, content=body, headers=HEADERS)\nreturn r.status_code, r.content",
    ),
    "httpx over httpx-aiohttp's transport": (
        "import httpx, httpx_aiohttp",
        "import httpx, httpx_aiohttp\nclient = httpx.AsyncClient(base_url=UPSTREAM, transport=httpx_aiohttp.AiohttpTransport())",
        "r = await client.post(PATH, content=body, headers=HEADERS)\nreturn r.status_code, r.content",
    ),
    "aiohttp": (
        "import aiohttp",
        "import aiohttp\nclient = None",
        "global client\nif client is None:\n    client = aiohttp.ClientSession(UPSTREAM)\n"
        "async with client.post(PATH, data=body, headers=HEADERS) as r:\n    return r.status, await r.read()",
    ),
    "adapters/client.py (chosen)": (
        "import adapters.client",
        "from adapters.client import HTTPClient\nclient = HTTPClient(UPSTREAM, connect_timeout=10, read_timeout=300)",
        "r = await client.request('POST', PATH, HEADERS, body)\nreturn r.status, await r.read()",
    ),
}

PROXY = """
UPSTREAM = {upstream!r}
PATH = "/v1beta/models/gemini-2.5-flash:generateContent"
HEADERS = {{"content-type": "application/json", "x-goog-api-key": {key!r}}}
{setup}

async def call(body):
{call}

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    status, answer = await call(body)
    await send({{"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}})
    await send({{"type": "http.response.body", "body": answer}})
"""


def indent(code: str) -> str:
    return "".join(f"    {line}\n" for line in code.splitlines())


def import_ms(python: str, code: str, runs: int = 15) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([python, "-c", code], cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    from tests.platforms.runtimes import environment

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args(argv)
    ensure_wrk()
    python = str(environment("bench-clients", "3.11", PACKAGES) / "bin" / "python")
    fake_port = free_port()
    upstream = f"http://127.0.0.1:{fake_port}"
    bare = import_ms(python, "pass")
    print(f"## Which HTTP client: a minimal proxy with each, 8 connections (Python 3.11, uvicorn with "
          f"uvloop and httptools; `python -c pass` {bare:.1f} ms)\n")
    print("| client | req/s | ratio to direct | p50 ms | import ms | import ratio to `python -c pass` |\n|---|---|---|---|---|---|")
    asyncio_ms = import_ms(python, "import asyncio")
    with process([sys.executable, "-m", "bench.fake_upstream", "--port", str(fake_port)], fake_port), \
            tempfile.TemporaryDirectory() as folder:
        direct = wrk(f"{upstream}/v1beta/models/gemini-2.5-flash:generateContent", GEMINI, {"x-goog-api-key": KEY}, 8,
                     args.seconds)
        print(f"| (direct to the fake upstream) | {direct['rps']:.0f} | 1 | {direct['p50']:.3f} | | |")
        print(f"| (`import asyncio`, which every candidate needs) | | | | {asyncio_ms:.1f} | {asyncio_ms / bare:.1f} |")
        for number, (name, (imports, setup, call)) in enumerate(CANDIDATES.items()):
            Path(folder, f"proxy{number}.py").write_text(PROXY.format(upstream=upstream, key=KEY, setup=setup, call=indent(call)))
            port = free_port()
            command = [python, "-c", f"import sys; sys.path[:0] = [{folder!r}, {str(ROOT)!r}]; import uvicorn; "
                       f"uvicorn.run('proxy{number}:app', port={port}, log_level='warning', access_log=False)"]
            with process(command, port):
                wrk(f"http://127.0.0.1:{port}/", GEMINI, {}, 8, 1)  # warm up: connections, caches
                result = wrk(f"http://127.0.0.1:{port}/", GEMINI, {}, 8, args.seconds)
            milliseconds = import_ms(python, imports)
            print(f"| {name} | {result['rps']:.0f} | {result['rps'] / direct['rps']:.3f} | {result['p50']:.3f} | "
                  f"{milliseconds:.1f} | {milliseconds / bare:.1f} |")
    print()


if __name__ == "__main__":
    main()
