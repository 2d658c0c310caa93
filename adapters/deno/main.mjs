// The gateway on Deno and Deno Deploy: the Pyodide shell that Netlify's function runs
// (../netlify/handler.mjs), behind Deno.serve. deno.json, at the project's root, names this entry
// and the build step that makes the memory snapshot.
import { gateway } from "../netlify/handler.mjs";

// Deno (2.9) aborts `request.signal` after every successful response too ("legacy behavior", it warns;
// https://docs.deno.com/go/unstable-no-legacy-abort). handler.mjs logs a call before its answer is
// returned, and a stream's as its body closes, so that late abort finds nothing to call a disconnect
// (tests/platforms/target_deno.py checks the log).
// Deno Deploy chooses the address itself; elsewhere PORT (default 8000) on HOST (default 0.0.0.0).
Deno.serve({ port: Number(Deno.env.get("PORT") ?? 8000), hostname: Deno.env.get("HOST") ?? "0.0.0.0" }, gateway({ platform: "deno" }));
