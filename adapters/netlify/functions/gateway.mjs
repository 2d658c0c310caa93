// The gateway as a Netlify Function (Functions API: https://docs.netlify.com/build/functions/api/).
// Netlify runs no Python: ../handler.mjs drives the Python core in Pyodide, restored from the memory
// snapshot that the build command makes (../snapshot.mjs). The instance loads it at module scope, once:
// that is the cold start (bench.mjs measures it).
import { fileURLToPath } from "node:url";
import { gateway } from "../handler.mjs";

export const config = {
  path: ["/", "/v1", "/v1/*", "/v1beta/*", "/upload/*", "/chat/completions", "/responses", "/responses/*", "/completions", "/embeddings",
    "/models", "/models/*", "/images/*", "/audio/*", "/codex/*", "/messages", "/messages/*", "/gateway/*"],
};

// Paths from this file: Netlify's bundler inlines the modules it imports (netlify.toml's included_files
// keeps the Python sources, the snapshot and Pyodide where they are).
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
export default gateway({ root: here("../../.."), snapshot: here("../snapshot/gateway.bin") });
