// The gateway on Bun: the Pyodide shell that Netlify's function runs (../netlify/handler.mjs),
// behind Bun.serve, on PORT (default 8000) and HOST (default 0.0.0.0). bunfig.toml is Bun's config.
import { gateway } from "../netlify/handler.mjs";

const handler = gateway({ platform: "bun" });
Bun.serve({
  port: Number(process.env.PORT ?? 8000),
  hostname: process.env.HOST ?? "0.0.0.0",
  // Bun closes a connection idle for 10 s by default; a thinking model can take minutes to answer
  // (a stream's keep-alives never let it idle): no idle limit for requests (server.timeout(req, 0)).
  fetch(request, server) {
    server.timeout(request, 0);
    return handler(request);
  },
});
