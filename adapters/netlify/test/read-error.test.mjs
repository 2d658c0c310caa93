// A Gemini stream whose connection breaks mid-body: the client still gets a well-formed end, an
// OpenAI error event and [DONE]. Its own file (so its own process and function instance) because an
// instance reads GEMINI_BASE_URL once, and this upstream is a socket that hangs up, not the fake.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

const EVENT = { candidates: [{ content: { role: "model", parts: [{ text: "half an ans" }] }, index: 0 }] };
let upstream, handler;

before(async () => {
  upstream = createServer((req, res) => {
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
  assert.match(error.message, /Could not reach Gemini at http:\/\/127\.0\.0\.1:\d+: UND_ERR_SOCKET\./);
});
