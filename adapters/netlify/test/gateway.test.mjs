// The Netlify function's default export, driven with real Request objects against the fake Gemini
// server (tests/fakes/gemini.py, started by ./fake.mjs as a child process). Run: npm test --prefix adapters/netlify
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { request, startGateway } from "./fake.mjs";

// A key per test: a 429 or a 401 that one test provokes on purpose rests its key in the function's pool.
let KEY = "AIzaNetlifyTestKey0000001";
let keys = 0;
const TOOLS = ["get_weather", "get_time"].map((name) => ({
  type: "function",
  function: { name, parameters: { type: "object", properties: { city: { type: "string" }, tz: { type: "string" } } } },
}));
let fake, handler, admin;

before(async () => ({ fake, handler, admin } = await startGateway()));
after(() => fake.kill());
beforeEach(() => {
  KEY = `AIzaNetlifyTestKey${String(++keys).padStart(7, "0")}`;
  return admin("/_fake/reset", {});
});

function call(path, { method = "POST", body, headers = {}, signal } = {}) {
  const init = { method, signal, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  return request(handler, path, init);
}

const chat = (content, extra = {}) =>
  call("/v1/chat/completions", { body: { model: "gemini-2.5-flash", messages: [{ role: "user", content }], ...extra } });

const sseEvents = (text) =>
  text.split("\n\n").filter((block) => block.startsWith("data: "))
    .map((block) => block.slice(6)).map((data) => (data === "[DONE]" ? data : JSON.parse(data)));

test("chat: a whole answer, sent upstream with the client's key", async () => {
  const response = await chat("hello netlify");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  const body = await response.json();
  assert.equal(body.object, "chat.completion");
  assert.equal(body.choices[0].message.content, "echo: hello netlify");
  assert.ok(body.usage.total_tokens > 0);
  assert.equal(body.id, `chatcmpl-${response.headers.get("x-request-id")}`);
  const [sent] = await admin("/_fake/requests");
  assert.equal(sent.key, KEY);
  assert.equal(sent.headers["user-agent"], "gemini-openai-gateway");
});

test("stream: the first event arrives before the upstream has finished", async () => {
  const started = performance.now();
  const response = await chat("count slowly #fake:chunks=4 #fake:delay=0.4", { stream: true, stream_options: { include_usage: true } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^text\/event-stream/);
  let text = "", firstContent;
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    if (firstContent === undefined && /"content":"[^"]/.test(chunk)) firstContent = performance.now() - started;
    text += chunk;
  }
  const total = performance.now() - started;
  const events = sseEvents(text);
  assert.equal(events.at(-1), "[DONE]");
  const content = events.slice(0, -1).filter((e) => e.choices.length).map((e) => e.choices[0].delta.content ?? "").join("");
  assert.equal(content, "echo: count slowly");
  assert.ok(events.at(-2).usage.total_tokens > 0);
  assert.ok(total >= 1200, `three 0.4 s pauses upstream, took ${total} ms`);
  assert.ok(firstContent < total - 800, `first content at ${firstContent} ms of ${total} ms`);
});

test("tool calls: two parallel calls, each with its own index and id", async () => {
  const response = await call("/v1/chat/completions", { body: {
    model: "gemini-3.1-pro-preview", stream: true, tools: TOOLS,
    messages: [{ role: "user", content: "call get_weather city=Paris call get_time tz=UTC" }],
  } });
  const events = sseEvents(await response.text()).slice(0, -1).filter((e) => e.choices.length);
  const calls = events.flatMap((e) => e.choices[0].delta.tool_calls ?? []);
  assert.deepEqual(calls.map((c) => [c.index, c.function.name, JSON.parse(c.function.arguments)]),
    [[0, "get_weather", { city: "Paris" }], [1, "get_time", { tz: "UTC" }]]);
  assert.equal(new Set(calls.map((c) => c.id)).size, 2);
  assert.equal(events.at(-1).choices[0].finish_reason, "tool_calls");
});

test("errors: bad JSON is a 400 that never reaches Gemini", async () => {
  const response = await call("/v1/chat/completions", { body: "{not json" });
  assert.equal(response.status, 400);
  const { error } = await response.json();
  assert.equal(error.type, "invalid_request_error");
  assert.equal(error.code, "invalid_json");
  assert.deepEqual(await admin("/_fake/requests"), []);
});

test("errors: Gemini's 429 keeps its retry delay", async () => {
  const response = await chat("#fake:status=429");
  assert.equal(response.status, 429);
  assert.ok(Number(response.headers.get("retry-after")) >= 7);
  assert.equal((await response.json()).error.type, "rate_limit_error");
});

test("errors: no API key is a 401", async () => {
  const response = await call("/v1/models", { method: "GET", headers: { authorization: "" } });
  assert.equal(response.status, 401);
  assert.equal((await response.json()).error.code, "invalid_api_key");
});

test("key pool: a rate-limited key is skipped for the next one", async () => {
  await admin("/_fake/keys", { valid: [], rate_limited: ["AIzaLimitedKey0000000001"] });
  const response = await call("/v1/chat/completions", {
    headers: { authorization: "Bearer AIzaLimitedKey0000000001,AIzaFreshKey00000000001" },
    body: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "rotate" }] },
  });
  assert.equal(response.status, 200);
  const keys = (await admin("/_fake/requests")).map((r) => r.key);
  assert.deepEqual(keys, ["AIzaLimitedKey0000000001", "AIzaFreshKey00000000001"]);
});

test("CORS: the preflight answers with the methods and the headers asked for", async () => {
  const response = await call("/v1/chat/completions", { method: "OPTIONS", headers: {
    origin: "https://chat.example", "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
  } });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.match(response.headers.get("access-control-allow-methods"), /POST/);
  assert.equal(response.headers.get("access-control-allow-headers"), "authorization, content-type");
});

test("abort: a client leaving mid-stream cancels the Gemini call", async () => {
  const client = new AbortController();
  const response = await call("/v1/chat/completions", { signal: client.signal, body: {
    model: "gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "long #fake:chunks=20 #fake:delay=0.2" }],
  } });
  const reader = response.body.getReader();
  await reader.read();
  client.abort();
  let events = [];
  for (let tries = 0; tries < 50 && !events.length; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    events = (await admin("/_fake/events")).filter((e) => e.type === "stream_disconnected");
  }
  assert.equal(events.length, 1, "the fake saw the upstream stream cut");
});

test("abort: a client leaving before the answer gets no answer, and Gemini's call is cancelled", async () => {
  const client = new AbortController();
  const pending = call("/v1/chat/completions", { signal: client.signal, body: {
    model: "gemini-2.5-flash", messages: [{ role: "user", content: "slow #fake:sleep=3" }],
  } });
  setTimeout(() => client.abort(), 300);
  assert.equal((await pending).status, 499);
  let events = [];
  for (let tries = 0; tries < 50 && !events.length; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    events = (await admin("/_fake/events")).filter((e) => e.type === "request_disconnected");
  }
  assert.equal(events.length, 1);
});
