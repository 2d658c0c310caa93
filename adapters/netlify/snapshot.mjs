// Build the memory snapshot that pyodide.mjs restores: Pyodide with the gateway imported, about
// 31 MB, written to snapshot/gateway.bin with what it was made from in gateway.bin.json. Run at
// deploy build time (netlify.toml's build command; `deno task snapshot`, `bun run snapshot`):
//
//   node adapters/netlify/snapshot.mjs [path, default snapshot/gateway.bin]
//
// makeMemorySnapshot refuses to serialise a JavaScript object that Python still holds (pyodide
// src/js/snapshot.ts, serializeHiwireState), so the build imports modules and keeps no proxy.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { SNAPSHOT, importedSources, loadGateway, sourcesHash } from "./pyodide.mjs";

const path = process.argv[2] ? resolve(process.argv[2]) : SNAPSHOT;
const began = performance.now();
const pyodide = await loadGateway({ _makeSnapshot: true });
const files = importedSources(pyodide);
const bytes = pyodide.makeMemorySnapshot();
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, bytes);
writeFileSync(`${path}.json`, `${JSON.stringify({ pyodide: pyodide.version, files, sources: sourcesHash(files) })}\n`);
console.log(`snapshot: ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${files.length} Python files, ${Math.round(performance.now() - began)} ms`);
