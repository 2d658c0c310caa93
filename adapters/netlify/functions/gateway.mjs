// The gateway as a Netlify Function. Netlify runs no Python, so the Python core runs in Pyodide
// (CPython in WebAssembly) and this file does only the I/O: read the request (and parse a form), fetch
// Gemini, stream the answer (or encode speech as MP3). Every decision and translation comes from
// adapters/netlify/bridge.py, a `Call` per request (its docstring is the protocol).
// Functions API: https://docs.netlify.com/build/functions/api/
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

export const config = {
  path: ["/", "/v1", "/v1/*", "/v1beta/*", "/upload/*", "/chat/completions", "/responses", "/completions", "/embeddings",
    "/models", "/models/*", "/images/*", "/audio/*", "/messages", "/messages/*"],
};

// Once per function instance, at module scope: this is the cold start (about 3 s; bench.mjs measures it).
// indexURL is explicit because Pyodide otherwise finds its files from a stack trace, which
// netlify-cli's source maps rewrite. The repository root (core/ and adapters/, put in the bundle by
// netlify.toml's included_files) is mounted into Pyodide's file system:
// https://pyodide.org/en/stable/usage/api/js-api.html#pyodide.mountNodeFS
const ready = (async () => {
  const began = performance.now();
  const pyodide = await loadPyodide({
    indexURL: fileURLToPath(new URL(".", import.meta.resolve("pyodide"))),
    env: { PYTHONDONTWRITEBYTECODE: "1" }, // the bundle is read-only
    // Python's output (the request log lines) line by line to the console, which Netlify's log shows;
    // Pyodide's default writes to process.stdout's fd, which a worker thread (netlify-cli) lacks.
    stdout: console.log,
    stderr: console.log,
  });
  pyodide.mountNodeFS("/gateway", fileURLToPath(new URL("../../..", import.meta.url)));
  pyodide.runPython("import sys; sys.path.insert(0, '/gateway')");
  const { Call } = pyodide.pyimport("adapters.netlify.bridge"); // a proxy kept for the instance's life
  console.log(JSON.stringify({ cold_start_ms: Math.round(performance.now() - began), pyodide: pyodide.version }));
  return Call;
})();

const now = () => performance.now() / 1000; // the key pool's clock: seconds, monotonic

export default async (req) => {
  const Call = await ready;
  const call = Call(req.method, req.url, Object.fromEntries(req.headers), randomBytes(12).toString("hex"),
    Math.floor(Date.now() / 1000), now());
  let streaming = false;
  try {
    let action = call.start({ ...process.env });
    if (action.read) {
      const body = new Uint8Array(await req.arrayBuffer());
      action = call.received(body);
      if (action.form) action = await parseForm(call, body, req.headers.get("content-type"));
    }
    while (action.fetch) {
      const { fetch: requests, timeout } = action;
      const sent = await Promise.all(requests.map((request, i) => send(call, i, request, req.signal, timeout)));
      if (requests[0].stream && sent[0]) {
        const response = relay(call, sent[0], req.signal);
        streaming = true; // from here the stream owns the call, and ends it
        return response;
      }
      action = call.next();
    }
    return new Response(action.encode ? await encode(action) : action.body, action);
  } catch (error) {
    if (!req.signal.aborted) throw error;
    call.gone(); // the client left: nobody will read this answer
    return new Response(null, { status: 499 });
  } finally {
    if (!streaming) end(call);
  }
};

// One upstream request through the key pool: adapters/upstream.py::_rotate, each decision the bridge's.
// Returns the Response of a stream, true for a whole answer (kept by the bridge), null on failure.
// Redirects are not followed (nor are they by the Python shell's client): the key goes to Gemini only.
async function send(call, i, { method, url, body, stream }, clientSignal, timeout) {
  for (let headers; (headers = call.attempt(i, now())); ) {
    const signal = AbortSignal.any([clientSignal, AbortSignal.timeout(timeout * 1000)]);
    try {
      const response = await fetch(url, { method, headers, body, signal, redirect: "manual" });
      if (response.status !== 200) call.failed(i, now(), response.status, await bytes(response), [...response.headers]);
      else if (stream) return call.succeeded(i, now(), undefined, [...response.headers]) && response;
      else if (call.succeeded(i, now(), await bytes(response), [...response.headers])) return true;
    } catch (error) {
      if (clientSignal.aborted) throw error;
      call.unreachable(i, now(), failure(error));
    }
  }
  return null;
}

// The client's stream: Gemini's bytes through the bridge's translator as they arrive (or as they are,
// for a native stream: `pipe`). A pull that produced nothing must read on, or the stream would stall
// (https://streams.spec.whatwg.org/#rs-default-controller-call-pull-if-needed).
function relay(call, upstream, clientSignal) {
  const head = call.open_stream([...upstream.headers]);
  const reader = upstream.body.getReader();
  let open = true;
  const stop = (disconnected) => {
    if (!open) return;
    open = false;
    reader.cancel().catch(() => {}); // stop reading Gemini (and paying for its tokens)
    call.finish(now(), disconnected);
    call.destroy();
  };
  clientSignal.addEventListener("abort", () => stop(true), { once: true });
  return new Response(new ReadableStream({
    async pull(controller) {
      let out = new Uint8Array(0);
      while (open && !out.length && !call.closed) {
        try {
          const { value, done } = await reader.read();
          if (open) out = done ? call.close() : head.pipe ? value : call.feed(value);
        } catch (error) {
          if (open) out = call.fail(failure(error)); // an error event (then [DONE], in OpenAI's streams)
        }
      }
      if (!open) return controller.error(clientSignal.reason); // a no-op once the stream is cancelled
      if (out.length) controller.enqueue(out);
      if (call.closed) {
        controller.close();
        stop(false);
      }
    },
    cancel: () => stop(true), // the client went away mid-stream
  }), head);
}

// A multipart body through undici's parser (the platform's own, as the Fetch standard specifies it);
// what it cannot parse is the bridge's 400. Values keep their order: clients repeat `image[]`.
async function parseForm(call, body, contentType) {
  let form;
  try {
    form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  } catch (error) {
    return call.malformed(error.message);
  }
  const entries = [];
  for (const [name, value] of form) {
    entries.push(typeof value === "string" ? [name, value] : [name, value.name, value.type, await bytes(value)]);
  }
  return call.parsed(entries);
}

// Speech as MP3 (the OpenAI SDK's default format), with lamejs, a JavaScript port of LAME: loaded by
// the first MP3 answer only. `samples`: 16-bit little-endian PCM, channels interleaved.
async function encode({ encode: format, samples, rate, channels, bitrate }) {
  if (format !== "mp3") throw new Error(`no ${format} encoder`);
  const { Mp3Encoder } = await import("@breezystack/lamejs");
  const aligned = samples.byteOffset % 2 ? samples.slice() : samples; // an Int16Array view needs an even offset
  const pcm = new Int16Array(aligned.buffer, aligned.byteOffset, aligned.length >> 1);
  const planes = channels === 2 ? [0, 1].map((c) => pcm.filter((_, j) => j % 2 === c)) : [pcm];
  const encoder = new Mp3Encoder(planes.length, rate, bitrate);
  const frames = [encoder.encodeBuffer(...planes), encoder.flush()]; // Int8Arrays
  return Buffer.concat(frames.map((part) => new Uint8Array(part.buffer, part.byteOffset, part.length)));
}

const end = (call) => {
  call.finish(now());
  call.destroy(); // the one Python object a request owns: https://pyodide.org/en/stable/usage/type-conversions.html#calling-python-objects-from-javascript
};
const bytes = async (body) => new Uint8Array(await body.arrayBuffer()); // a Response's, or a File's
// undici's fetch reports a network failure as TypeError("fetch failed") with the reason in `cause`.
const failure = (error) => (error.name === "TimeoutError" ? error.name : error.cause?.code ?? error.name);
