// The gateway as a Netlify Function. Netlify runs no Python, so the Python core runs in Pyodide
// (CPython in WebAssembly) and this file does only the I/O the core's `Call` asks for: read the body
// (and parse a form), fetch Gemini, stream the answer (with keep-alives while Gemini thinks), encode
// speech as MP3. adapters/netlify/bridge.py converts the call's actions to JavaScript (its docstring
// is the protocol). Functions API: https://docs.netlify.com/build/functions/api/
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

export const config = {
  path: ["/", "/v1", "/v1/*", "/v1beta/*", "/upload/*", "/chat/completions", "/responses", "/responses/*", "/completions", "/embeddings",
    "/models", "/models/*", "/images/*", "/audio/*", "/codex/*", "/messages", "/messages/*", "/gateway/*"],
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
  const { Bridge } = pyodide.pyimport("adapters.netlify.bridge"); // a proxy kept for the instance's life
  console.log(JSON.stringify({ cold_start_ms: Math.round(performance.now() - began), pyodide: pyodide.version }));
  return Bridge;
})();

const now = () => Date.now() / 1000; // the core's clock: wall-clock seconds (the key pool rests keys until a time)

export default async (req) => {
  const Bridge = await ready;
  const call = Bridge(req.method, req.url, Object.fromEntries(req.headers), randomBytes(12).toString("hex"),
    Math.floor(Date.now() / 1000), now());
  let owned = false; // a stream took the call over, and ends it
  try {
    let action = call.start({ ...process.env });
    let body = null;
    for (;;) {
      if (action.kind === "read") {
        body = await within(req.arrayBuffer(), action.timeout);
        action = body === null ? call.body_timeout() : call.body(new Uint8Array(body));
      } else if (action.kind === "form") {
        action = await parseForm(call, new Uint8Array(body), req.headers.get("content-type"));
      } else if (action.kind === "fetch") {
        const fetching = fetchAll(call, action, req.signal);
        const first = action.keepalive ? await within(fetching, action.keepalive) : await fetching;
        if (first === null) { // Gemini is slow to answer: begin the stream, and keep it alive
          const tick = call.tick(now());
          owned = true;
          return streamed(call, tick.head, tick.data, fetching, req.signal);
        }
        action = first;
      } else if (action.kind === "stream") {
        owned = true;
        return streamed(call, action, new Uint8Array(0), Promise.resolve(action), req.signal);
      } else {
        return new Response(action.encode ? await encode(action) : action.body, action);
      }
    }
  } catch (error) {
    if (req.signal.aborted) {
      call.gone(); // the client left: nobody will read this answer
      return new Response(null, { status: 499 });
    }
    const action = call.abort(String(error?.stack ?? error));
    return new Response(action.body, action);
  } finally {
    if (!owned) end(call);
  }
};

// Every upstream request of a Fetch, at most `parallel` at once, each through the key pool as the call
// decides (`attempt` until it says stop); then the call's next action. A stream's open response is kept
// on the call's JavaScript side (`responses`) for the relay. Redirects are not followed (nor are they by
// the Python shell's client): the key goes to Gemini only.
async function fetchAll(call, { requests, parallel, timeout }, clientSignal) {
  let next = 0;
  const worker = async () => {
    for (let i; (i = next++) < requests.length; ) await attempts(call, i, requests[i], clientSignal, timeout);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return call.next(now());
}

async function attempts(call, i, { method, url, stream }, clientSignal, timeout) {
  for (let attempt; (attempt = call.attempt(i, now())); ) {
    const signal = AbortSignal.any([clientSignal, AbortSignal.timeout(timeout * 1000)]);
    let response;
    try {
      response = await fetch(url, { method, headers: attempt.headers, body: attempt.body, signal, redirect: "manual" });
    } catch (error) {
      if (clientSignal.aborted) throw error;
      call.unreachable(i, failure(error), now());
      continue;
    }
    if (stream && response.status === 200) {
      responses.set(call, response);
      call.streaming(i, [...response.headers], now());
      continue;
    }
    try {
      call.answered(i, response.status, [...response.headers], await bytes(response), now());
    } catch (error) {
      if (clientSignal.aborted) throw error;
      call.cut(i, failure(error), now());
    }
  }
}

const responses = new WeakMap(); // call → the open upstream stream it relays

// The client's stream: its head, what is ready to send, then every later action of the call — the
// relay of Gemini's stream through the call (`feed`, or as it is for a native stream), another Fetch
// (an empty answer asked again), the Tail that ends it — with a keep-alive whenever Gemini is silent
// for `keepalive` seconds. It pushes as it reads: event streams are small, so no backpressure is kept.
function streamed(call, head, initial, pending, clientSignal) {
  let open = true;
  let reader = null;
  let ticker = null;
  let last = Date.now();
  const stop = (disconnected) => {
    if (!open) return;
    open = false;
    clearInterval(ticker);
    reader?.cancel().catch(() => {}); // stop reading Gemini (and paying for its tokens)
    call.finish(now(), disconnected);
    call.destroy();
  };
  clientSignal.addEventListener("abort", () => stop(true), { once: true });
  const body = new ReadableStream({
    start(controller) {
      const send = (data) => open && data?.length && controller.enqueue(data);
      const keepAlive = (seconds) => {
        if (ticker || !seconds) return;
        ticker = setInterval(() => {
          if (open && call.ticking && Date.now() - last >= seconds * 1000) {
            last = Date.now();
            send(call.tick(now()).data);
          }
        }, Math.min(1000, seconds * 1000));
      };
      send(initial);
      keepAlive(head.keepalive);
      (async () => {
        let action = await pending;
        while (open) {
          if (action.kind === "tail") {
            send(action.data);
            break;
          }
          if (action.kind === "fetch") {
            action = await fetchAll(call, action, clientSignal);
            continue;
          }
          if (action.kind !== "stream") throw new Error(`a stream cannot send ${action.kind}`);
          keepAlive(action.keepalive);
          reader = responses.get(call).body.getReader();
          action = null;
          while (open && !action) {
            let out;
            try {
              const { value, done } = await reader.read();
              last = Date.now();
              if (done) action = call.close();
              else out = call.feed(value);
            } catch (error) {
              if (open) action = call.fail(failure(error)); // an error event (then [DONE], in OpenAI's streams)
            }
            if (out) send(out);
            if (!action && call.closed) action = call.close();
          }
        }
      })()
        .catch((error) => open && send(call.abort(String(error?.stack ?? error)).data))
        .finally(() => {
          if (open) controller.close();
          stop(false);
        });
    },
    cancel: () => stop(true), // the client went away mid-stream
  });
  return new Response(body, head);
}

// A multipart body through undici's parser (the platform's own, as the Fetch standard specifies it);
// what it cannot parse is the call's 400. Values keep their order: clients repeat `image[]`.
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
  return call.form(entries);
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

// `promise`'s value, or null if it takes longer than `seconds` (the promise goes on).
async function within(promise, seconds) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(resolve, seconds * 1000, null); });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const end = (call) => {
  call.finish(now());
  call.destroy(); // the one Python object a request owns: https://pyodide.org/en/stable/usage/type-conversions.html#calling-python-objects-from-javascript
};
const bytes = async (body) => new Uint8Array(await body.arrayBuffer()); // a Response's, or a File's
// undici's fetch reports a network failure as TypeError("fetch failed") with the reason in `cause`.
const failure = (error) => (error.name === "TimeoutError" ? error.name : error.cause?.code ?? error.name);
