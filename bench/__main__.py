"""Every figure of bench/RESULTS.md in one run, printed as Markdown.

    python -m bench [--seconds 5] [--runs 5] [--compare NAME=URL ...] > bench/RESULTS.md.new

Runs, in order: the load tests, time to first byte, peak RSS, the core alone and import times
(bench/run.py); process start → first answer on each platform's runtime (bench/cold_start.py); the
HTTP client comparison (bench/clients.py); the Netlify function under Pyodide, its cold start with
and without the memory snapshot (adapters/netlify/bench.mjs, on Node 24); and the Cloudflare
Worker's CPU time (bench/cloudflare_cpu.py). They need `npm ci --prefix adapters/netlify` and
`npm ci --prefix tests/platforms/js`. Each part also runs alone: `python -m bench.run`,
`python -m bench.cold_start`, `python -m bench.clients`, `python -m bench.cloudflare_cpu`.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import clients, cloudflare_cpu, cold_start, run
from bench.run import ROOT
from tests.platforms.runtimes import js_runtime


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    node = subprocess.run([js_runtime("node"), "--version"], capture_output=True, text=True).stdout.strip()
    wrk = subprocess.run([run.ensure_wrk(), "-v"], capture_output=True, text=True).stdout.split(" [")[0]
    return (f"{time.strftime('%Y-%m-%d')}; {os.cpu_count()} cores ({cpu}), Linux {platform.release()}, "
            f"Python {platform.python_version()}, Node {node}, {wrk}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", default="5", help="duration of each load test")
    parser.add_argument("--runs", default="5", help="fresh processes per cold-start figure")
    parser.add_argument("--compare", action="append", default=[], metavar="NAME=URL",
                        help="another gateway, already running against the fake upstream on port 8950")
    args = parser.parse_args()
    print(f"# Benchmarks\n\n`python -m bench {' '.join(sys.argv[1:])}`".rstrip() + f" — {machine()}\n", flush=True)
    run.main(["--seconds", args.seconds, *(f"--compare={item}" for item in args.compare)])
    cold_start.main(["--runs", args.runs])
    clients.main(["--seconds", args.seconds])
    sys.stdout.flush()
    netlify = subprocess.run([js_runtime("node"), "adapters/netlify/bench.mjs", "--runs", args.runs], cwd=ROOT, check=True,
                             capture_output=True, text=True, env={**os.environ, "PYTHON": sys.executable}).stdout
    print(f"## The Netlify function under Pyodide (adapters/netlify/bench.mjs)\n\n```\n{netlify.strip()}\n```\n", flush=True)
    cloudflare_cpu.main([])


if __name__ == "__main__":
    main()
