// Pyodide with the gateway's Python imported: restored from the memory snapshot that snapshot.mjs
// builds at deploy time when there is one that fits, loaded from scratch otherwise. Shared by every
// JavaScript runtime that serves the gateway (Netlify's function, Deno, Bun).
//
// The snapshot API is private (`_makeSnapshot` / `_loadSnapshot` options of loadPyodide,
// `pyodide.makeMemorySnapshot()`; pyodide/pyodide src/js/pyodide.ts, src/js/snapshot.ts, tested in
// src/tests/test_snapshots.py), so package.json pins Pyodide's exact version. A snapshot holds the
// WebAssembly memory only: Pyodide refuses one made by another build ("Snapshot build id mismatch"),
// the JavaScript side (file-system mounts) is set up again after a restore, and `sources` below
// refuses one made from other Python files than those it would run.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

// Where the project (core/ and adapters/) and the snapshot are, seen from this file. An entry that a
// bundler may inline passes its own: Netlify's bundles this module into the function's file, whose
// import.meta.url is then the one these URLs resolve against.
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SNAPSHOT = fileURLToPath(new URL("snapshot/gateway.bin", import.meta.url));
const MOUNT = "/gateway";

// indexURL is explicit because Pyodide otherwise finds its files from a stack trace, which
// netlify-cli's source maps rewrite. Python's output (the request log lines) goes line by line to the
// console, which each platform's log shows; Pyodide's default writes to process.stdout's fd, which a
// worker thread (netlify-cli) lacks.
const options = (extra) => ({
  indexURL: fileURLToPath(new URL(".", import.meta.resolve("pyodide"))),
  env: { PYTHONDONTWRITEBYTECODE: "1" }, // the bundle is read-only
  stdout: console.log,
  stderr: console.log,
  ...extra,
});

// The project mounted into Pyodide's file system (https://pyodide.org/en/stable/usage/api/js-api.html#pyodide.mountNodeFS).
const mount = (pyodide, root) => pyodide.mountNodeFS(MOUNT, root);

/** A fresh Pyodide with every module of the gateway imported: what a snapshot holds. */
export async function loadGateway({ root = ROOT, ...extra } = {}) {
  const pyodide = await loadPyodide(options(extra));
  mount(pyodide, root);
  // All of core/, not only what the bridge imports at the top: a module imported later (on some
  // request) would be read from the mount, which a snapshot's `sources` does not vouch for.
  pyodide.runPython(`
import importlib, pkgutil, sys
sys.path.insert(0, ${JSON.stringify(MOUNT)})
import core, adapters.netlify.bridge
for module in pkgutil.iter_modules(core.__path__):
    importlib.import_module(f"core.{module.name}")
`);
  return pyodide;
}

/** The project's Python files the interpreter has imported (relative paths, sorted). */
export const importedSources = (pyodide) =>
  JSON.parse(pyodide.runPython(`
import json, sys
json.dumps(sorted(m.__file__[${MOUNT.length + 1}:] for m in list(sys.modules.values())
                  if (getattr(m, "__file__", None) or "").startswith(${JSON.stringify(MOUNT + "/")})))
`));

/** One hash of these files' names and bytes (paths relative to `root`), as they are on disk now. */
export function sourcesHash(files, root = ROOT) {
  const hash = createHash("sha256");
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update("\0");
  return hash.digest("hex");
}

// Restore the snapshot at `path`, or say why not (the caller loads from scratch).
async function restore(root, path) {
  let meta, bytes;
  try {
    meta = JSON.parse(readFileSync(`${path}.json`, "utf8"));
    bytes = readFileSync(path);
  } catch {
    return { reason: "none" };
  }
  const { version } = await import("pyodide");
  if (meta.pyodide !== version) return { reason: `made by Pyodide ${meta.pyodide}` };
  if (sourcesHash(meta.files, root) !== meta.sources) return { reason: "made from other Python sources" };
  const pyodide = await loadPyodide(options({ _loadSnapshot: bytes }));
  mount(pyodide, root);
  // Every instance restores the same memory, the same `random` state included: seed it anew from
  // the platform's entropy (os.urandom is crypto.getRandomValues in Pyodide).
  pyodide.runPython("import random; random.seed()");
  return { pyodide };
}

/** An interpreter with the gateway imported, and how it came: `snapshot` is "restored" or why not. */
export async function loadInterpreter({ root = ROOT, snapshot = SNAPSHOT } = {}) {
  let restored;
  try {
    restored = await restore(root, snapshot);
  } catch (error) { // a snapshot that fails to restore must not take the function down
    restored = { reason: `failed: ${error?.message ?? error}`.split("\n")[0] };
  }
  return restored.pyodide ? { pyodide: restored.pyodide, snapshot: "restored" } : { pyodide: await loadGateway({ root }), snapshot: restored.reason };
}

/** The bridge class (adapters/netlify/bridge.py) of an interpreter that is ready; logs the cold start. */
export async function loadBridge(where) {
  const began = performance.now();
  const { pyodide, snapshot } = await loadInterpreter(where);
  const { Bridge } = pyodide.pyimport("adapters.netlify.bridge"); // a proxy kept for the instance's life
  console.log(JSON.stringify({ cold_start_ms: Math.round(performance.now() - began), pyodide: pyodide.version, snapshot }));
  return Bridge;
}
