"""The gateway's costs, each as a ratio to a baseline measured in the same run.

    python -m bench.run [--seconds 5] [--compare NAME=URL ...]

1. Plain chat and 50-chunk streams at 1, 8 and 64 connections (wrk), through the gateway and
   straight to the fake upstream (bench/fake_upstream.py) — the floor for any proxy in front of it.
2. Time to the first byte of a stream, through the gateway and straight to the upstream.
3. The pure core: microseconds per request mapping, response mapping and stream event, against a
   stdlib `json.loads` + `json.dumps` round trip of the same payload.
4. Cold start: import time of each platform's entry module against `python -c pass` (with the
   biggest imports), and process start → first answer (bench/cold_start.py).
5. Peak RSS after more than 10,000 requests, against a bare ASGI app under the same uvicorn; and
   that app's own throughput, the ceiling for anything uvicorn serves on this machine.

`--compare NAME=URL` adds another OpenAI-compatible gateway, already running against the fake
upstream at `--fake-port` (default 8950), to the load tests. wrk comes from Debian's packages and is
installed when missing. Nothing here is a test: the figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "AIzaBenchKey0000000000000001"
CHAT = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}]}
GEMINI = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


# --- processes -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def process(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """Run a server until its port accepts connections; yield its pid; stop it."""
    child = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if child.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{' '.join(command)} did not start") from None
                time.sleep(0.05)
        yield child.pid
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait()


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        wrk = shutil.which("wrk")
    return wrk


# --- load ------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, body: dict, headers: dict[str, str], connections: int, seconds: int) -> dict[str, float]:
    """requests/s and p50/p99 latency (ms) of POSTing `body` to `url`."""
    script = "\n".join([
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(json.dumps(body))}",
        'wrk.headers["Content-Type"] = "application/json"',
        *(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()),
    ])
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name, url],
                             capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors:\n{out}")
    latency = {p: float(v) * _UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    if len(latency) != 2 or "Requests/sec" not in out:
        raise RuntimeError(f"unexpected output of wrk for {url}:\n{out}")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": latency["50"], "p99": latency["99"]}


def first_byte(host: str, port: int, path: str, body: dict, headers: dict[str, str], count: int = 300) -> float:
    """Median ms from sending a request to receiving the first byte of its answer (one connection)."""
    payload = json.dumps(body).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "content-type": "application/json",
                                                "content-length": str(len(payload))}.items())
    request = f"POST {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n{head}\r\n".encode() + payload
    samples = []
    for _ in range(count):
        with socket.create_connection((host, port)) as sock:
            started = time.perf_counter()
            sock.sendall(request)
            sock.recv(1)
            samples.append(time.perf_counter() - started)
            while sock.recv(65536):
                pass
    return statistics.median(samples) * 1000


# --- the core alone --------------------------------------------------------------------------

def core_microseconds() -> list[tuple[str, float, float]]:
    """(what, µs per operation, µs of the stdlib JSON round trip of the same payload)."""
    sys.path.insert(0, str(ROOT))
    from bench.fake_upstream import TEXT, _stream_response
    from core.chat import chat_request_to_gemini
    from core.chat_response import chat_response_from_gemini
    from core.config import Settings
    from core.stream import ChatStream

    settings = Settings()
    request = {"model": "gemini-2.5-flash", "temperature": 0.7, "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Italy?"}]}
    plan = chat_request_to_gemini(request, settings)
    stream_plan = chat_request_to_gemini({**request, "stream": True}, settings)
    events = [e for e in _stream_response(50).split(b"\r\n") if e.startswith(b"data: ")]
    raw_events = b"".join(e + b"\r\n\r\n" for e in events)

    def per_event() -> None:
        translator = ChatStream(stream_plan, completion_id="chatcmpl-bench", created=1)
        translator.feed(raw_events)
        translator.close()

    def measure(function, number: int) -> float:
        return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6

    event = json.loads(events[0][len(b"data: "):])
    return [
        ("request mapping (chat, 4 messages)", measure(lambda: chat_request_to_gemini(request, settings), 20000),
         measure(lambda: json.dumps(json.loads(json.dumps(request))), 20000)),
        ("response mapping (one candidate)", measure(lambda: chat_response_from_gemini(TEXT, plan, completion_id="x", created=1), 20000),
         measure(lambda: json.dumps(json.loads(json.dumps(TEXT))), 20000)),
        ("stream event (of a 50-event stream)", measure(per_event, 300) / len(events),
         measure(lambda: json.dumps(json.loads(json.dumps(event))), 20000)),
    ]


# --- cold start ------------------------------------------------------------------------------

# Each entry module in a clean environment of its platform's Python holding only that platform's
# requirements: the machine's own interpreter carries site hooks and packages a deployment never has.
ENTRY_MODULES = (
    ("adapters.aws_lambda", "3.12", "requirements-lambda.txt"),
    ("adapters.vercel", "3.12", "requirements.txt"),
    ("adapters.aliyun_fc", "3.10", "requirements-fc.txt"),
    ("adapters.local", "3.12", "requirements.txt"),
)


def children(trace: str, module: str) -> list[tuple[int, str]]:
    """(cumulative µs, name) of the modules `module` itself imports, from a `-X importtime` trace."""
    found, pending = [], []
    for line in trace.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, cumulative, name = line.split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        if depth == 1:
            pending.append((int(cumulative), name.strip()))
        elif depth == 0:
            found, pending = (pending if name.strip() == module else found), []
    return sorted(found, reverse=True)


def import_times(runs: int) -> list[tuple[str, str, float, float, list[str]]]:
    """(module, Python, median wall ms of importing it, of `python -c pass` there, its biggest imports)."""
    from tests.platforms.runtimes import environment

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(ROOT)  # bytecode, as a deployment ships it; the code, as its package lays it out

    def wall(python: str, code: str) -> float:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([python, "-c", code], cwd=ROOT, env=env, check=True)
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    results = []
    for module, version, requirements in ENTRY_MODULES:
        folder = environment(f"bench-{requirements[:-4]}-{version}", version, ["-r", str(ROOT / requirements)])
        python = str(folder / "bin" / "python")
        subprocess.run([python, "-m", "compileall", "-q", "core", "adapters"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        trace = subprocess.run([python, "-X", "importtime", "-c", f"import {module}"], cwd=ROOT, env=env,
                               capture_output=True, text=True, check=True).stderr
        top = [f"{name} {us / 1000:.1f}" for us, name in children(trace, module)[:4]]
        results.append((module, version, wall(python, f"import {module}"), wall(python, "pass"), top))
    return results


# --- memory ----------------------------------------------------------------------------------

def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


TRIVIAL_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})
"""


# --- the run ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="duration of each load test")
    parser.add_argument("--fake-port", type=int, default=8950)
    parser.add_argument("--compare", action="append", default=[], metavar="NAME=URL",
                        help="another gateway, already running against the fake upstream")
    args = parser.parse_args(argv)
    ensure_wrk()
    fake_url = f"http://127.0.0.1:{args.fake_port}"
    gateway_port = free_port()
    gateway_env = {"GEMINI_BASE_URL": fake_url}

    with process([sys.executable, "-m", "bench.fake_upstream", "--port", str(args.fake_port)], args.fake_port), \
            process([sys.executable, "-m", "adapters.local", "--port", str(gateway_port)], gateway_port, gateway_env) as gateway_pid:
        gateway = f"http://127.0.0.1:{gateway_port}"
        direct = f"{fake_url}/v1beta/models/gemini-2.5-flash"
        targets = [("gateway", gateway), *(tuple(item.split("=", 1)) for item in args.compare)]
        auth = {"Authorization": f"Bearer {KEY}"}

        for title, body, direct_url in (("Plain chat", CHAT, f"{direct}:generateContent"),
                                        ("50-chunk stream", {**CHAT, "stream": True}, f"{direct}:streamGenerateContent?alt=sse")):
            print(f"## {title}: requests/s and latency (ms); ratio = target / direct upstream\n")
            print("| connections | direct req/s | p50 | p99 | " + " | ".join(
                f"{name} req/s | ratio | p50 | added p50" for name, _ in targets) + " |")
            print("|---" * (4 + 4 * len(targets)) + "|")
            rates: dict[str, list[float]] = {name: [] for name, _ in targets}
            for connections in (1, 8, 64):
                floor = wrk(direct_url, GEMINI, {"x-goog-api-key": KEY}, connections, args.seconds)
                row = [str(connections), f"{floor['rps']:.0f}", f"{floor['p50']:.3f}", f"{floor['p99']:.3f}"]
                for name, url in targets:
                    result = wrk(f"{url}/v1/chat/completions", body, auth, connections, args.seconds)
                    rates[name].append(result["rps"])
                    row += [f"{result['rps']:.0f}", f"{result['rps'] / floor['rps']:.3f}", f"{result['p50']:.3f}",
                            f"{result['p50'] - floor['p50']:.3f}"]
                print("| " + " | ".join(row) + " |")
            print()
            for name, _ in targets[1:]:
                print(f"gateway ÷ {name}, requests/s at 1, 8, 64 connections: "
                      + ", ".join(f"{ours / theirs:.2f}x" for ours, theirs in zip(rates["gateway"], rates[name], strict=True)) + "\n")
            if body is CHAT:
                chat_rps = rates["gateway"][1]

        ttfb_direct = first_byte("127.0.0.1", args.fake_port, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                                 GEMINI, {"x-goog-api-key": KEY})
        ttfb = first_byte("127.0.0.1", gateway_port, "/v1/chat/completions", {**CHAT, "stream": True}, auth)
        print(f"## Stream time to first byte (one connection, new each time)\n\ndirect {ttfb_direct:.3f} ms, "
              f"gateway {ttfb:.3f} ms: {ttfb - ttfb_direct:.3f} ms added, {ttfb / ttfb_direct:.1f}x\n")

        requests_done = 0
        while requests_done < 10_000:
            result = wrk(f"{gateway}/v1/chat/completions", CHAT, auth, 8, 2)
            requests_done += int(result["rps"] * 2)
        rss = peak_rss_mb(gateway_pid)

    trivial_port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "trivial.py").write_text(TRIVIAL_APP)
        command = [sys.executable, "-c", f"import sys; sys.path.insert(0, {folder!r}); import uvicorn, trivial; "
                   f"uvicorn.run(trivial.app, port={trivial_port}, log_level='warning', access_log=False)"]
        with process(command, trivial_port) as trivial_pid:
            ceiling = wrk(f"http://127.0.0.1:{trivial_port}/", CHAT, {}, 8, args.seconds)
            bare_rss = peak_rss_mb(trivial_pid)
    print(f"## Peak RSS\n\ngateway after {requests_done} chat requests: {rss:.1f} MB; a bare ASGI app under the same "
          f"uvicorn: {bare_rss:.1f} MB ({rss / bare_rss:.2f}x)\n")
    print(f"## The ceiling for anything served by uvicorn here\n\nthat bare ASGI app, answering `{{}}` without calling "
          f"anything: {ceiling['rps']:.0f} req/s at 8 connections, p50 {ceiling['p50']:.3f} ms; the gateway's plain chat "
          f"reached {chat_rps:.0f} ({chat_rps / ceiling['rps']:.2f}x)\n")

    print("## The core alone (µs per operation; ratio to a stdlib json.loads + json.dumps of the same payload)\n")
    print("| operation | µs | json round trip µs | ratio |\n|---|---|---|---|")
    for name, microseconds, floor in core_microseconds():
        print(f"| {name} | {microseconds:.1f} | {floor:.1f} | {microseconds / floor:.1f} |")
    print()

    print("## Import time of each entry module (wall ms, median of 15, bytecode cached, clean environment of the "
          "platform's Python and requirements)\n")
    print("| module | Python | ms | `python -c pass` ms | ratio | biggest imports (cumulative ms) |\n|---|---|---|---|---|---|")
    for module, version, milliseconds, bare, top in import_times(15):
        print(f"| `{module}` | {version} | {milliseconds:.1f} | {bare:.1f} | {milliseconds / bare:.1f} | {', '.join(top)} |")
    print()


if __name__ == "__main__":
    main()
