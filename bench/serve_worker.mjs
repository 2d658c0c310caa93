// Serve a fetch-style worker ({ fetch(Request) -> Response }, the shape of Cloudflare Workers and of
// the JavaScript reference gateway's src/worker.mjs) on Node's http server, with every call to
// Google's API redirected to GEMINI_BASE_URL, so that another gateway can be measured against the
// same fake upstream in the same run:
//
//     GEMINI_BASE_URL=http://127.0.0.1:8950 PORT=8970 node bench/serve_worker.mjs path/to/worker.mjs
//     python -m bench.run --compare node-reference=http://127.0.0.1:8970
//
// When the worker's own project has @whatwg-node/server installed (the reference gateway's node.mjs
// serves it that way), that adapter is used; otherwise a minimal one. The worker itself is not part
// of this repository; bench/RESULTS.md says which one was measured.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { Readable } from "node:stream";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const GOOGLE = "https://generativelanguage.googleapis.com";
const upstream = process.env.GEMINI_BASE_URL;
const port = Number(process.env.PORT || 8970);
if (!process.argv[2] || !upstream) {
  console.error("usage: GEMINI_BASE_URL=http://127.0.0.1:8950 node bench/serve_worker.mjs path/to/worker.mjs");
  process.exit(2);
}

const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (!url.startsWith(GOOGLE)) return realFetch(input, init);
  const target = upstream + url.slice(GOOGLE.length);
  return realFetch(input instanceof Request ? new Request(target, input) : target, init);
};

const workerPath = resolve(process.argv[2]);
const worker = (await import(pathToFileURL(workerPath).href)).default;

async function whatwgAdapter() {
  try {
    const module = createRequire(workerPath).resolve("@whatwg-node/server");
    const { createServerAdapter } = await import(pathToFileURL(module).href);
    return createServerAdapter(worker.fetch);
  } catch {
    return null;
  }
}

const minimalAdapter = async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(`http://127.0.0.1:${port}${req.url}`, {
    method: req.method, headers: req.headers, body: hasBody ? Buffer.concat(chunks) : undefined,
  });
  const response = await worker.fetch(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) Readable.fromWeb(response.body).pipe(res);
  else res.end();
};

const adapter = await whatwgAdapter();
createServer(adapter ?? minimalAdapter).listen(port, "127.0.0.1", () =>
  console.log(`serving ${process.argv[2]} on http://127.0.0.1:${port} with ${adapter ? "@whatwg-node/server" : "a minimal adapter"}`));
