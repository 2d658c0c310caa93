// The memory snapshot (../snapshot.mjs builds it, ../pyodide.mjs restores it): a restored instance runs
// the gateway, draws other random numbers than its siblings, and one that cannot restore loads from scratch.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadInterpreter } from "../pyodide.mjs";

const dir = mkdtempSync(join(tmpdir(), "gateway-snapshot-"));
const made = join(dir, "gateway.bin");
before(() => execFileSync(process.execPath, [fileURLToPath(new URL("../snapshot.mjs", import.meta.url)), made]));
after(() => rmSync(dir, { recursive: true, force: true }));

// A copy of the snapshot with its metadata changed by `edit`, and its bytes by `corrupt`.
function variant(name, { edit = (meta) => meta, corrupt } = {}) {
  const path = join(dir, name);
  copyFileSync(made, path);
  if (corrupt) writeFileSync(path, corrupt(readFileSync(path)));
  writeFileSync(`${path}.json`, JSON.stringify(edit(JSON.parse(readFileSync(`${made}.json`, "utf8")))));
  return path;
}

const draw = (pyodide) => pyodide.runPython("import random; random.getrandbits(64)");

test("a restored instance has the gateway imported and its own random state", async () => {
  const first = await loadInterpreter({ snapshot: made });
  const second = await loadInterpreter({ snapshot: made });
  assert.equal(first.snapshot, "restored");
  assert.equal(second.snapshot, "restored");
  assert.equal(first.pyodide.runPython("import sys; 'core.call' in sys.modules and 'adapters.netlify.bridge' in sys.modules"), true);
  assert.notEqual(draw(first.pyodide), draw(second.pyodide));
  // A module no snapshot holds still imports: the stdlib and the mounted project are there again.
  assert.equal(first.pyodide.runPython("import colorsys, adapters.netlify; colorsys.__name__"), "colorsys");
});

test("a snapshot of other sources, of another Pyodide, or corrupt, falls back to a normal load", async () => {
  const cases = {
    stale: [variant("stale.bin", { edit: (meta) => ({ ...meta, sources: "0".repeat(64) }) }), "made from other Python sources"],
    version: [variant("version.bin", { edit: (meta) => ({ ...meta, pyodide: "0.0.1" }) }), "made by Pyodide 0.0.1"],
    corrupt: [variant("corrupt.bin", { corrupt: (bytes) => bytes.fill(7, 0, 64) }), "failed: Snapshot has invalid magic number"],
    missing: [join(dir, "missing.bin"), "none"],
  };
  for (const [name, [path, reason]] of Object.entries(cases)) {
    const { pyodide, snapshot } = await loadInterpreter({ snapshot: path });
    assert.equal(snapshot, reason, name);
    assert.equal(pyodide.runPython("import sys; 'core.call' in sys.modules"), true, name);
  }
});
