// wrangler.toml's build step: the Worker's modules staged in build/cloudflare/, where `main` points:
// the entry as the main module, with the packages it imports (core/, and the three modules of
// adapters/ it uses) beside it. Wrangler uploads the folder of `main`; staging keeps everything else
// of the repository (tests, virtualenvs, node_modules) out of the upload.
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OUT = join(ROOT, "build", "cloudflare");
const ADAPTERS = ["__init__.py", "fetched.py", "logs.py"];

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, "core"), { recursive: true });
mkdirSync(join(OUT, "adapters"));
for (const file of readdirSync(join(ROOT, "core")).filter((name) => name.endsWith(".py"))) {
  cpSync(join(ROOT, "core", file), join(OUT, "core", file));
}
for (const file of ADAPTERS) cpSync(join(ROOT, "adapters", file), join(OUT, "adapters", file));
cpSync(join(ROOT, "adapters", "cloudflare", "entry.py"), join(OUT, "entry.py"));
console.log(`staged the Worker in ${OUT}`);
