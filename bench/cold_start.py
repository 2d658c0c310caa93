"""Cold start per platform entry: process start → first chat answer, against `python -c pass`.

    python -m bench.cold_start [--runs 5]

Each platform's real runtime is started fresh (as tests/platforms does) in front of a fake Gemini
on loopback, and timed until its first `POST /v1/chat/completions` returns 200. The figures are
medians over the runs, each also printed as a ratio to a bare interpreter start measured in the
same run: these machines are shared and noisy, and only the ratios travel.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import httpx

from tests.fakes.gemini import FakeGemini, serve_in_thread
from tests.platforms import (
    fc,
    target_bun,
    target_cloudflare,
    target_deno,
    target_docker,
    target_vercel,
)
from tests.platforms.runtimes import ROOT, environment, free_port, js_runtime

# As a deployment runs: with bytecode (a package ships it; this machine's PYTHONDONTWRITEBYTECODE
# would make every start compile the sources again).
BASE_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
CHAT = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "cold"}]}
HEADERS = {"authorization": "Bearer AIzaColdStartBench"}


def first_answer(command: list[str], url: str, env: dict[str, str], cwd=ROOT) -> float:
    """Seconds from spawning `command` until `url` answers a chat completion with 200."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env={**BASE_ENV, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            try:
                if httpx.post(f"{url}/v1/chat/completions", json=CHAT, headers=HEADERS, timeout=5).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}")
            time.sleep(0.005)
    finally:
        os.killpg(process.pid, 15)
        process.wait()


def run_once(command: list[str], env: dict[str, str], cwd=ROOT) -> float:
    """Seconds for a process that answers one chat completion and exits (it checks the 200 itself)."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env={**BASE_ENV, **env}, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


# A Lambda cold start: import the handler (Mangum, the app), then the first HTTP API invocation.
LAMBDA_FIRST_INVOCATION = """
import base64, json, sys
event = json.load(open("tests/adapters/aws_events/http_api_v2.json"))
event.update(rawPath="/v1/chat/completions", rawQueryString="", cookies=[], isBase64Encoded=False, body=sys.argv[1],
             headers={"authorization": "Bearer AIzaColdStartBench", "content-type": "application/json"})
event["requestContext"]["http"].update(method="POST", path="/v1/chat/completions")
from adapters.aws_lambda import handler
assert handler(event, None)["statusCode"] == 200
"""


def clean_python() -> str:
    """Python 3.12 in a clean environment holding the Lambda package's requirements (shared with bench.run)."""
    folder = environment("bench-requirements-lambda-3.12", "3.12", ["-r", str(ROOT / "requirements-lambda.txt")])
    return str(folder / "bin" / "python")


def bare_interpreter() -> float:
    started = time.perf_counter()
    subprocess.run([clean_python(), "-c", "pass"], check=True)
    return time.perf_counter() - started


def platforms(fake_url: str) -> dict:
    """name → a function that performs one cold start and returns its duration."""
    def local():
        port = free_port()
        return first_answer([sys.executable, "-m", "adapters.local", "--port", str(port)], f"http://127.0.0.1:{port}",
                            {"GEMINI_BASE_URL": fake_url, "LOG_LEVEL": "off"})

    def vercel():
        port = free_port()
        command, env = target_vercel.command_and_env(port, fake_url, log_level="off")
        return first_answer(command, f"http://127.0.0.1:{port}", env)

    def aliyun_fc(file: str):
        code = fc.lay_out_code(file)
        props = fc.gateway_resource(file=file)["props"]
        env = {key: value.replace("/code", str(code)) for key, value in props["environmentVariables"].items()}
        env.update(GEMINI_BASE_URL=fake_url, LOG_LEVEL="off")
        return lambda: first_answer(fc.command(file), f"http://127.0.0.1:{props['customRuntimeConfig']['port']}", env, cwd=code)

    def aws_lambda():
        return run_once([clean_python(), "-c", LAMBDA_FIRST_INVOCATION, json.dumps(CHAT)],
                        {"GEMINI_BASE_URL": fake_url, "LOG_LEVEL": "off", "PYTHONPATH": str(ROOT)})

    node = js_runtime("node")  # Node 24, as netlify.toml's NODE_VERSION
    subprocess.run([node, "adapters/netlify/snapshot.mjs"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    def netlify(snapshot: str):
        # A fresh Node process: the function's handler (Pyodide loads at module scope), `GET /`, then a chat.
        return lambda: run_once([node, "adapters/netlify/bench.mjs", "--cold", snapshot], {"GEMINI_BASE_URL": fake_url, "LOG_LEVEL": "off"})

    def served(commands):
        def cold_start():
            port = free_port()
            return first_answer(commands()[0], f"http://127.0.0.1:{port}", {"PORT": str(port), "HOST": "127.0.0.1",
                                                                             "GEMINI_BASE_URL": fake_url, "LOG_LEVEL": "off"})
        return cold_start

    image = target_docker.docker_command(0, fake_url, log_level="off")  # laid out once, as an image is built once

    def docker():
        port = free_port()
        command, env, app, _ = image
        return first_answer(command, f"http://127.0.0.1:{port}", {**env, "PORT": str(port)}, cwd=app)

    def cloudflare():
        port = free_port()
        command, env = target_cloudflare.worker_command(port, fake_url, log_level="off")
        return first_answer(command, f"http://127.0.0.1:{port}", env)

    return {
        "local (uvicorn)": local,
        "vercel (vercel-runtime dev server)": vercel,
        "aws-lambda (Mangum handler, first invocation, Python 3.12)": aws_lambda,
        "aliyun-fc (s.yaml command, Python 3.12)": aliyun_fc("s.yaml"),
        "aliyun-fc (s.debian10.yaml command, Python 3.10)": aliyun_fc("s.debian10.yaml"),
        "netlify (Pyodide function, Node 24, memory snapshot restored)": netlify("adapters/netlify/snapshot/gateway.bin"),
        "netlify (Pyodide function, Node 24, no snapshot)": netlify("adapters/netlify/snapshot/none.bin"),
        "deno (Deno.serve, snapshot restored)": served(target_deno.commands),
        "bun (Bun.serve, snapshot restored)": served(target_bun.commands),
        "docker (the image's CMD, Python 3.12)": docker,
        "cloudflare (the Python Worker under Pyodide in Node, shim; no snapshot)": cloudflare,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    fake = FakeGemini()
    fake_url, stop = serve_in_thread(fake)
    try:
        baseline = statistics.median(bare_interpreter() for _ in range(args.runs))
        print(f"## Cold start: process start → first chat answer (median of {args.runs}; `python -c pass` in a clean "
              f"Python 3.12 environment: "
              f"{baseline * 1000:.0f} ms)\n")
        print("| platform runtime | ms | ratio to `python -c pass` |\n|---|---|---|")
        for name, cold_start in platforms(fake_url).items():
            cold_start()  # warm the disk cache and any one-time environment setup
            median = statistics.median(cold_start() for _ in range(args.runs))
            print(f"| {name} | {median * 1000:.0f} | {median / baseline:.1f} |")
        print()
    finally:
        stop()


if __name__ == "__main__":
    main()
