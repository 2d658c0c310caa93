// A Cloudflare Python Worker's entry run under Pyodide in Node, behind node:http, the way the Workers
// runtime calls it: one instance of the entry's `Default` class (WorkerEntrypoint(ctx, env)) per
// request, its `fetch(request)` given a Fetch API Request (whose signal aborts when the client leaves),
// the `workers.Response` it returns sent back as it streams. The `workers` module is ./workers.py.
//
//   WORKER_ENV='{"GEMINI_BASE_URL": "..."}' node serve.mjs <port> <folder of wrangler's main> <main module>
//
// Each request's CPU time (process.cpuUsage, user + system, from the request's arrival to the end of
// its body) goes to stdout as {"worker_cpu_ms", "path", "chunks"}: Workers bill CPU, not waiting.
import { createServer } from "node:http";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "../../../adapters/netlify/node_modules/pyodide/pyodide.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const [port, folder, module] = process.argv.slice(2);
const env = JSON.parse(process.env.WORKER_ENV ?? "{}");

const pyodide = await loadPyodide({ stdout: console.log, stderr: console.log });
pyodide.mountNodeFS("/worker", folder); // the modules wrangler uploads
pyodide.mountNodeFS("/shim", HERE);
pyodide.runPython(`import sys; sys.path[:0] = ["/shim", "/worker"]`);
const { Default } = pyodide.pyimport(module);

const cpu = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };

createServer(async (req, res) => {
  const began = cpu();
  const leaving = new AbortController();
  res.on("close", () => res.writableFinished || leaving.abort());
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks);
  const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers, body,
    signal: leaving.signal });
  const waiting = [];
  const worker = Default({ waitUntil: (promise) => waiting.push(promise) }, env);
  let sent = 0;
  try {
    // /_baseline/<path>: what a JavaScript Worker doing nothing but forward <path> to Gemini costs
    // (the benchmark's same-run baseline, bench/cloudflare_cpu.py); everything else goes to the entry.
    const response = req.url.startsWith("/_baseline/")
      ? await fetch(env.GEMINI_BASE_URL + req.url.slice("/_baseline".length), { method: req.method, headers: request.headers, body })
      : (await worker.fetch(request)).js_object;
    res.writeHead(response.status, [...response.headers].flat());
    if (response.body) {
      for await (const chunk of response.body) {
        res.write(chunk);
        sent++;
      }
    }
    res.end();
  } catch (error) {
    console.log(String(error?.stack ?? error));
    if (!res.headersSent) res.writeHead(500);
    res.end();
  } finally {
    worker.destroy();
    await Promise.allSettled(waiting);
    console.log(JSON.stringify({ worker_cpu_ms: +(cpu() - began).toFixed(3), path: req.url, chunks: sent }));
  }
}).listen(Number(port), "127.0.0.1", () => console.log(`listening on ${port}`));
