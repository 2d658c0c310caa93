// The fake Gemini (tests/fakes/gemini.py) as a child process, and the function's handler pointed at
// it. Each test file runs in its own process, so its own function instance reads its own settings.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Start the fake (strict: it refuses what real Gemini refuses), set the function's environment
 * (`env` on top), load the handler and warm it. */
export async function startGateway(env = {}) {
  const fake = spawn(process.env.PYTHON ?? "python3", ["-m", "tests.fakes.gemini", "--port", "0", "--strict"], {
    cwd: ROOT, stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = await once(createInterface({ input: fake.stdout }), "line");
  const fakeUrl = line.replace("listening on ", "");
  Object.assign(process.env, { GEMINI_BASE_URL: fakeUrl, LOG_LEVEL: "off", ...env });
  const { default: handler } = await import("../functions/gateway.mjs");
  // The cold start, before any test: Pyodide's load blocks the event loop for seconds, long enough
  // for the fake to close an idle keep-alive connection that fetch would then try to reuse.
  assert.equal((await handler(new Request("https://gateway.test/"))).status, 200);
  const admin = async (path, body) =>
    (await fetch(fakeUrl + path, body && { method: "POST", body: JSON.stringify(body) })).json();
  return { fake, fakeUrl, handler, admin };
}

/** The handler's answer to a request for `https://gateway.test{path}`. */
export const request = (handler, path, init = {}) => handler(new Request(`https://gateway.test${path}`, init), {});

export const bytesOf = async (response) => new Uint8Array(await response.arrayBuffer());
