"""CPU time of the Cloudflare Python Worker under Pyodide, per request and per streamed event.

    python -m bench.cloudflare_cpu [--requests 50]

Cloudflare bills a Worker's CPU time, not its waiting (the free plan allows 10 ms per request). The
entry runs in the shim (tests/platforms/cloudflare/serve.mjs) in front of a fake Gemini on loopback,
which logs each request's process CPU time (user + system, the shim's HTTP handling included, so an
upper bound). After a warm-up, it reports the median for a chat answer, for streams of 1 and 101
events (the difference per event), and a same-run baseline: a JavaScript Worker that only forwards
the chat's Gemini call. Workers run on Cloudflare's own Pyodide and machines: the ratios travel.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

import httpx

from tests.fakes.gemini import FakeGemini, serve_in_thread
from tests.platforms.pyodide_servers import log_lines
from tests.platforms.runtimes import free_port, serve
from tests.platforms.target_cloudflare import worker_command

KEY = "AIzaCloudflareCpuBench01"
HEADERS = {"authorization": f"Bearer {KEY}", "x-goog-api-key": KEY, "content-type": "application/json"}  # the baseline's, Gemini's
GENERATE = {"contents": [{"role": "user", "parts": [{"text": "bench"}]}]}
WORDS = " ".join(["word"] * 120)  # enough text for the fake to cut into 101 chunks


def chat(content: str, stream: bool = False) -> dict:
    return {"model": "gemini-3.8-flash", "stream": stream, "messages": [{"role": "user", "content": content}]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args(argv)
    fake_url, stop = serve_in_thread(FakeGemini())
    port = free_port()
    command, env = worker_command(port, fake_url, log_level="off")
    cases = {
        "chat answer": ("/v1/chat/completions", chat("bench")),
        "stream, 1 event": ("/v1/chat/completions", chat(f"{WORDS} #fake:chunks=1", stream=True)),
        "stream, 101 events": ("/v1/chat/completions", chat(f"{WORDS} #fake:chunks=101", stream=True)),
        "baseline: a JavaScript Worker forwarding the call": ("/_baseline/v1beta/models/gemini-3.8-flash:generateContent", GENERATE),
    }
    try:
        with tempfile.TemporaryFile() as log, serve(command, f"http://127.0.0.1:{port}/", env=env, log=log, timeout=120) as url:
            with httpx.Client(base_url=url, headers=HEADERS, timeout=30) as client:
                for path, body in cases.values():  # warm-up: the JIT, Python's first calls
                    for _ in range(10):
                        assert client.post(path, json=body).status_code == 200
                log.seek(0, 2)
                start = log.tell()
                for path, body in cases.values():
                    for _ in range(args.requests):
                        client.post(path, json=body).raise_for_status()
            log.seek(start)
            rest = log.read()
        with tempfile.TemporaryFile() as measured:
            measured.write(rest)
            lines = [line for line in log_lines(measured) if "worker_cpu_ms" in line]
    finally:
        stop()
    medians = {}
    for index, name in enumerate(cases):
        medians[name] = statistics.median(line["worker_cpu_ms"] for line in lines[index * args.requests:(index + 1) * args.requests])
    baseline = medians["baseline: a JavaScript Worker forwarding the call"]
    per_event = (medians["stream, 101 events"] - medians["stream, 1 event"]) / 100
    print(f"## Cloudflare Worker CPU time under Pyodide (median of {args.requests}; process CPU, an upper bound)\n")
    print("| request | CPU ms | ratio to the baseline |\n|---|---|---|")
    for name, value in medians.items():
        print(f"| {name} | {value:.2f} | {value / baseline:.1f} |")
    print(f"\nper streamed event: {per_event:.3f} ms of CPU; the free plan's 10 ms per request holds about "
          f"{max(0, int((10 - medians['stream, 1 event']) / per_event)) if per_event > 0 else 0} events after a stream's first\n")


if __name__ == "__main__":
    main()
