// What Pyodide costs the Netlify function, against the Python ASGI app measured in the same run.
//
//   node adapters/netlify/bench.mjs [--runs 5] [--requests 200]
//
// Cold start: fresh Node processes load Pyodide and import the bridge (core included), then answer one
// chat, once restoring the memory snapshot (built first, by snapshot.mjs) and once loading from
// scratch; the baseline is a fresh CPython importing adapters.app. Per request: the median time of N
// chat requests in process (the handler called with a Request; the ASGI app called as a server calls
// it), both against the same fake Gemini on loopback, each minus a direct call to the fake from the
// same runtime, so what remains is the gateway's own work. Figures are medians; ratios are what travel.
import { spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PYTHON = process.env.PYTHON ?? "python3";
const CHAT = { model: "gemini-3.8-flash", messages: [{ role: "user", content: "bench" }] };
const HEADERS = { authorization: "Bearer AIzaBenchKey000000000001", "content-type": "application/json" };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { values: args } = parseArgs({ options: { runs: { type: "string", default: "5" }, requests: { type: "string", default: "200" },
  cold: { type: "string" }, split: { type: "boolean" } } });

if (args.split) {
  // A fresh instance's module-scope steps without a snapshot (pyodide.mjs loadGateway), timed apart.
  const t0 = performance.now();
  const { loadPyodide } = await import("pyodide");
  const pyodide = await loadPyodide({ env: { PYTHONDONTWRITEBYTECODE: "1" } });
  const t1 = performance.now();
  pyodide.mountNodeFS("/gateway", ROOT);
  pyodide.runPython("import sys; sys.path.insert(0, '/gateway'); import adapters.netlify.bridge");
  const t2 = performance.now();
  console.log(JSON.stringify({ load: t1 - t0, import: t2 - t1 }));
  process.exit(0);
}
if (args.cold) {
  // A fresh instance as Netlify starts one: the function's handler (with the snapshot at `--cold PATH`,
  // which may not exist), `GET /` answered, then one chat.
  const t0 = performance.now();
  const { gateway } = await import("./handler.mjs");
  const handler = gateway({ snapshot: args.cold });
  await handler(new Request("https://x/", {}));
  const t1 = performance.now();
  const response = await handler(new Request("https://x/v1/chat/completions", { method: "POST", headers: HEADERS, body: JSON.stringify(CHAT) }));
  await response.arrayBuffer();
  console.log(JSON.stringify({ ready: t1 - t0, first_chat: performance.now() - t1 }));
  process.exit(0);
}

const fake = spawn(PYTHON, ["-m", "tests.fakes.gemini", "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
const [line] = await once(createInterface({ input: fake.stdout }), "line");
const fakeUrl = line.replace("listening on ", "");
const env = { ...process.env, GEMINI_BASE_URL: fakeUrl, LOG_LEVEL: "off" };
const runs = Number(args.runs), requests = Number(args.requests);

// Cold start, each run in a fresh process, with and without the snapshot; the baseline: CPython importing the ASGI app.
const snapshot = join(mkdtempSync(join(tmpdir(), "bench-snapshot-")), "gateway.bin");
execFileSync(process.execPath, [fileURLToPath(new URL("snapshot.mjs", import.meta.url)), snapshot]);
const fresh = (...flags) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...flags], { env })
  .toString().trim().split("\n").at(-1));
const cold = [];
const restored = [];
const cpython = [];
for (let run = 0; run < runs; run++) {
  cold.push({ ...fresh("--split"), ...fresh("--cold", `${snapshot}.none`) });
  restored.push(fresh("--cold", snapshot));
  cpython.push(Number(execFileSync(PYTHON, ["-c", "import time; t = time.perf_counter(); import adapters.app; print((time.perf_counter() - t) * 1000)"], { cwd: ROOT, env }).toString()));
}

// Per request, in this process.
Object.assign(process.env, env);
const { gateway } = await import("./handler.mjs");
const handler = gateway({ snapshot });
const chatOnce = async () => {
  const t = performance.now();
  const response = await handler(new Request("https://x/v1/chat/completions", { method: "POST", headers: HEADERS, body: JSON.stringify(CHAT) }));
  await response.arrayBuffer();
  return performance.now() - t;
};
const directOnce = async () => {
  const t = performance.now();
  const response = await fetch(`${fakeUrl}/v1beta/models/gemini-3.8-flash:generateContent`, { method: "POST", headers: { "x-goog-api-key": "AIzaBenchKey000000000001", "content-type": "application/json" }, body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "bench" }] }] }) });
  await response.arrayBuffer();
  return performance.now() - t;
};
const timed = async (fn) => { for (let i = 0; i < 20; i++) await fn(); const xs = []; for (let i = 0; i < requests; i++) xs.push(await fn()); return median(xs); };
const netlify = { gateway: await timed(chatOnce), direct: await timed(directOnce) };

const asgi = JSON.parse(execFileSync(PYTHON, ["-c", `
import asyncio, json, statistics, time
from adapters.app import Gateway
from adapters.client import HTTPClient
CHAT, N = ${JSON.stringify(JSON.stringify(CHAT))}.encode(), ${requests}
HEADERS = [(k.encode(), v.encode()) for k, v in ${JSON.stringify(HEADERS)}.items()]
SCOPE = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
         "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions", "query_string": b"", "root_path": "",
         "headers": HEADERS, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
async def main():
    # The app called as a server calls it, and the fake called with the client the app itself uses.
    app = Gateway(env={"GEMINI_BASE_URL": "${fakeUrl}", "LOG_LEVEL": "off"})
    direct = HTTPClient("${fakeUrl}", connect_timeout=10, read_timeout=60)
    async def chat():
        requested, hold = False, asyncio.Event()
        async def receive():
            nonlocal requested
            if requested:
                await hold.wait()
            requested = True
            return {"type": "http.request", "body": CHAT, "more_body": False}
        async def send(message):
            pass
        await app(SCOPE, receive, send)
    async def straight():
        response = await direct.request("POST", "/v1beta/models/gemini-3.8-flash:generateContent",
                                        {"x-goog-api-key": "AIzaBenchKey000000000001", "content-type": "application/json"},
                                        b'{"contents": [{"role": "user", "parts": [{"text": "bench"}]}]}')
        await response.read()
    async def timed(fn):
        for _ in range(20): await fn()
        xs = []
        for _ in range(N):
            t = time.perf_counter(); await fn(); xs.append((time.perf_counter() - t) * 1000)
        return statistics.median(xs)
    print(json.dumps({"gateway": await timed(chat), "direct": await timed(straight)}))
asyncio.run(main())
`], { cwd: ROOT, env }).toString());
fake.kill();

const ms = (x) => `${x.toFixed(1)} ms`;
const pick = (key, from = cold) => median(from.map((c) => c[key]));
console.log(`cold start, median of ${runs} fresh Node ${process.version} processes, Pyodide ${(await import("pyodide")).version}:`);
console.log(`  without the snapshot: Pyodide load ${ms(pick("load"))}, then importing the bridge (core included) ${ms(pick("import"))}`);
console.log(`  without the snapshot: the function ready (import to first answer) ${ms(pick("ready"))}, then a first chat ${ms(pick("first_chat"))}`);
console.log(`  with the snapshot:    the function ready ${ms(pick("ready", restored))}, then a first chat ${ms(pick("first_chat", restored))}`);
console.log(`  the snapshot makes the cold start ${(pick("ready") / pick("ready", restored)).toFixed(1)}x faster`);
console.log(`  baseline, CPython importing adapters.app: ${ms(median(cpython))}; the function's cold start is ${(pick("ready", restored) / median(cpython)).toFixed(0)}x that with the snapshot, ${(pick("ready") / median(cpython)).toFixed(0)}x without`);
const own = (r) => r.gateway - r.direct;
console.log(`per chat request, median of ${requests} (gateway / direct call to the fake / gateway's own work):`);
const ms2 = (x) => `${x.toFixed(2)} ms`;
console.log(`  Netlify function (Pyodide) ${ms2(netlify.gateway)} / ${ms2(netlify.direct)} / ${ms2(own(netlify))}`);
console.log(`  ASGI app (CPython)         ${ms2(asgi.gateway)} / ${ms2(asgi.direct)} / ${ms2(own(asgi))}`);
console.log(`  ratio of the gateway's own work: ${(own(netlify) / own(asgi)).toFixed(2)}x`);
