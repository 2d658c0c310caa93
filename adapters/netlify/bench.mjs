// What Pyodide costs the Netlify function, against the Python ASGI app measured in the same run.
//
//   node adapters/netlify/bench.mjs [--runs 5] [--requests 200]
//
// Cold start: fresh Node processes load Pyodide and import the bridge (core included), then answer one
// chat; the baseline is a fresh CPython importing adapters.app. Per request: the median time of N chat
// requests in process (the handler called with a Request; the ASGI app through httpx.ASGITransport),
// both against the same fake Gemini on loopback, each minus a direct call to the fake from the same
// runtime, so what remains is the gateway's own work. Figures are medians; ratios are what travel.
import { spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PYTHON = process.env.PYTHON ?? "python3";
const CHAT = { model: "gemini-2.5-flash", messages: [{ role: "user", content: "bench" }] };
const HEADERS = { authorization: "Bearer AIzaBenchKey000000000001", "content-type": "application/json" };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { values: args } = parseArgs({ options: { runs: { type: "string", default: "5" }, requests: { type: "string", default: "200" }, cold: { type: "boolean" }, split: { type: "boolean" } } });

if (args.split) {
  // A fresh instance's module-scope steps (functions/gateway.mjs), timed apart.
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
  // A fresh instance as Netlify starts one: import the function, answer `GET /`, then one chat.
  const t0 = performance.now();
  const { default: handler } = await import("./functions/gateway.mjs");
  await handler(new Request("https://x/", {}));
  const t1 = performance.now();
  const response = await handler(new Request("https://x/v1/chat/completions", { method: "POST", headers: HEADERS, body: JSON.stringify(CHAT) }));
  await response.arrayBuffer();
  console.log(JSON.stringify({ ready: t1 - t0, first_chat: performance.now() - t1 }));
  process.exit(0);
}

const fake = spawn(PYTHON, ["-m", "tests.fake_gemini", "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
const [line] = await once(createInterface({ input: fake.stdout }), "line");
const fakeUrl = line.replace("listening on ", "");
const env = { ...process.env, GEMINI_BASE_URL: fakeUrl, LOG_LEVEL: "off" };
const runs = Number(args.runs), requests = Number(args.requests);

// Cold start, each run in a fresh process; the baseline: CPython importing the ASGI app.
const cold = [];
const cpython = [];
for (let run = 0; run < runs; run++) {
  const fresh = (flag) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), flag], { env }).toString().trim().split("\n").at(-1));
  cold.push({ ...fresh("--split"), ...fresh("--cold") });
  cpython.push(Number(execFileSync(PYTHON, ["-c", "import time; t = time.perf_counter(); import adapters.app; print((time.perf_counter() - t) * 1000)"], { cwd: ROOT, env }).toString()));
}

// Per request, in this process.
Object.assign(process.env, env);
const { default: handler } = await import("./functions/gateway.mjs");
const chatOnce = async () => {
  const t = performance.now();
  const response = await handler(new Request("https://x/v1/chat/completions", { method: "POST", headers: HEADERS, body: JSON.stringify(CHAT) }));
  await response.arrayBuffer();
  return performance.now() - t;
};
const directOnce = async () => {
  const t = performance.now();
  const response = await fetch(`${fakeUrl}/v1beta/models/gemini-2.5-flash:generateContent`, { method: "POST", headers: { "x-goog-api-key": "AIzaBenchKey000000000001", "content-type": "application/json" }, body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "bench" }] }] }) });
  await response.arrayBuffer();
  return performance.now() - t;
};
const timed = async (fn) => { for (let i = 0; i < 20; i++) await fn(); const xs = []; for (let i = 0; i < requests; i++) xs.push(await fn()); return median(xs); };
const netlify = { gateway: await timed(chatOnce), direct: await timed(directOnce) };

const asgi = JSON.parse(execFileSync(PYTHON, ["-c", `
import asyncio, json, statistics, time, httpx
from adapters.app import Gateway
CHAT, N = ${JSON.stringify(JSON.stringify(CHAT))}, ${requests}
async def main():
    app = Gateway(env={"GEMINI_BASE_URL": "${fakeUrl}", "LOG_LEVEL": "off"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as gateway, httpx.AsyncClient() as direct:
        async def chat():
            await gateway.post("/v1/chat/completions", content=CHAT, headers=${JSON.stringify(HEADERS)})
        async def straight():
            await direct.post("${fakeUrl}/v1beta/models/gemini-2.5-flash:generateContent", headers={"x-goog-api-key": "AIzaBenchKey000000000001"}, json={"contents": [{"role": "user", "parts": [{"text": "bench"}]}]})
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
const pick = (key) => median(cold.map((c) => c[key]));
console.log(`cold start, median of ${runs} fresh Node processes:`);
console.log(`  Pyodide load ${ms(pick("load"))}, then importing the bridge (core included) ${ms(pick("import"))}`);
console.log(`  the function's module ready (import to first answer) ${ms(pick("ready"))}, then a first chat ${ms(pick("first_chat"))}`);
console.log(`  baseline, CPython importing adapters.app: ${ms(median(cpython))}; the function's cold start is ${(pick("ready") / median(cpython)).toFixed(0)}x that`);
const own = (r) => r.gateway - r.direct;
console.log(`per chat request, median of ${requests} (gateway / direct call to the fake / gateway's own work):`);
console.log(`  Netlify function (Pyodide) ${ms(netlify.gateway)} / ${ms(netlify.direct)} / ${ms(own(netlify))}`);
console.log(`  ASGI app (CPython)         ${ms(asgi.gateway)} / ${ms(asgi.direct)} / ${ms(own(asgi))}`);
console.log(`  ratio of the gateway's own work: ${(own(netlify) / own(asgi)).toFixed(2)}x`);
