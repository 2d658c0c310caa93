// Upstreams the fake does not imitate, served by a socket of this file: a Gemini stream whose
// connection breaks mid-body (the client still gets a well-formed end: an error event, and [DONE] in
// OpenAI's streams), and a gzipped answer (as Google sends to fetch, which asks for gzip). Its own
// file (so its own process and function instance) because an instance reads GEMINI_BASE_URL once.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";

const EVENT = { candidates: [{ content: { role: "model", parts: [{ text: "half an ans" }] }, index: 0 }] };
const ANSWER = { candidates: [{ content: { role: "model", parts: [{ text: "zipped" }] }, finishReason: "STOP", index: 0 }] };
let upstream, handler;

before(async () => {
  upstream = createServer((req, res) => {
    if (!req.url.includes(":streamGenerateContent")) {
      res.writeHead(200, { "content-type": "application/json; charset=UTF-8", "content-encoding": "gzip" });
      return res.end(gzipSync(JSON.stringify(ANSWER)));
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`data: ${JSON.stringify(EVENT)}\r\n\r\n`);
    setTimeout(() => res.socket.destroy(), 100); // the connection drops before any finishReason
  });
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  Object.assign(process.env, { GEMINI_BASE_URL: `http://127.0.0.1:${upstream.address().port}`, LOG_LEVEL: "off" });
  ({ default: handler } = await import("../functions/gateway.mjs"));
});
after(() => upstream.close());

test("an upstream read error ends the stream with an error event and [DONE]", async () => {
  const response = await handler(new Request("https://gateway.test/v1/chat/completions", {
    method: "POST",
    headers: { authorization: "Bearer AIzaReadErrorKey00000001" },
    body: JSON.stringify({ model: "gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "hi" }] }),
  }));
  assert.equal(response.status, 200);
  const blocks = (await response.text()).split("\n\n").filter(Boolean).map((block) => block.slice("data: ".length));
  assert.equal(blocks.at(-1), "[DONE]");
  const events = blocks.slice(0, -1).map((block) => JSON.parse(block));
  assert.equal(events.flatMap((e) => e.choices ?? []).map((c) => c.delta.content ?? "").join(""), "half an ans");
  const { error } = events.at(-1);
  assert.equal(error.code, "upstream_error");
  assert.match(error.message, /Could not reach Gemini: UND_ERR_SOCKET\./);
});

test("a native stream that breaks half-way ends with Google's error event, not a silent cut", async () => {
  const response = await handler(new Request("https://gateway.test/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", {
    method: "POST",
    headers: { "x-goog-api-key": "AIzaReadErrorKey00000001", "content-type": "application/json" },
    body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
  }));
  assert.equal(response.status, 200);
  const text = await response.text();
  const prefix = `data: ${JSON.stringify(EVENT)}\r\n\r\n`;
  assert.equal(text.slice(0, prefix.length), prefix, "Gemini's event as it came");
  const tail = text.slice(prefix.length);
  assert.match(tail, /^data: \{.*\}\n\n$/);
  const { error } = JSON.parse(tail.slice("data: ".length));
  assert.equal(error.code, 502);
  assert.equal(error.status, "UNAVAILABLE");
  assert.match(error.message, /Could not reach Gemini: UND_ERR_SOCKET\./);
});

test("a gzipped native answer reaches the client decoded, and says so", async () => {
  const response = await handler(new Request("https://gateway.test/v1beta/models/gemini-2.5-flash:generateContent", {
    method: "POST",
    headers: { "x-goog-api-key": "AIzaReadErrorKey00000001", "content-type": "application/json" },
    body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
  }));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-encoding"), null, "fetch has decoded it");
  assert.deepEqual(await response.json(), ANSWER);
});
