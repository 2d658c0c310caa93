// Gemini's own API through the function (core/native.py), in pass-through mode: the client's
// x-goog-api-key goes upstream, Gemini's answers come back as Gemini gave them.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, beforeEach, test } from "node:test";
import { request, startGateway } from "./fake.mjs";

const KEY = "AIzaNetlifyNativeKey00001";
const LIMITED = "AIzaNetlifyLimitedKey0001";
let fake, fakeUrl, handler, admin;

// A small body limit, to see the gateway's own 413 in Google's envelope.
before(async () => ({ fake, fakeUrl, handler, admin } = await startGateway({ MAX_BODY_BYTES: "65536" })));
after(() => fake.kill());
beforeEach(() => admin("/_fake/reset", {}));

const native = (path, { method = "POST", body, headers = {}, key = KEY } = {}) => request(handler, path, {
  method,
  headers: { ...(key && { "x-goog-api-key": key }), ...(typeof body === "object" && !(body instanceof Uint8Array) && { "content-type": "application/json" }), ...headers },
  body: body === undefined || body instanceof Uint8Array || typeof body === "string" ? body : JSON.stringify(body),
});
const ask = (text) => ({ contents: [{ role: "user", parts: [{ text }] }] });

test("generateContent: forwarded with the client's key, answered as Gemini answers", async () => {
  const response = await native("/v1beta/models/gemini-2.5-flash:generateContent", { body: ask("hello native") });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^application\/json/);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.ok(response.headers.get("x-request-id"));
  const body = await response.json();
  assert.equal(body.candidates[0].content.parts[0].text, "echo: hello native");
  const [sent] = await admin("/_fake/requests");
  assert.equal(sent.path, "/v1beta/models/gemini-2.5-flash:generateContent");
  assert.equal(sent.key, KEY);
  assert.deepEqual(sent.query, {});
  assert.deepEqual(sent.json, ask("hello native"));
});

test("?key= is taken out of the URL and sent as the header", async () => {
  const response = await native(`/v1beta/models?pageSize=2&key=${KEY}`, { method: "GET", key: null });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).models.length, 2);
  const [sent] = await admin("/_fake/requests");
  assert.deepEqual(sent.query, { pageSize: "2" });
  assert.equal(sent.headers["x-goog-api-key"], KEY);
});

test("streamGenerateContent: Gemini's events, byte for byte, as they arrive", async () => {
  const path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
  const body = ask("count slowly #fake:chunks=4 #fake:delay=0.4");
  const started = performance.now();
  const response = await native(path, { body });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^text\/event-stream/);
  const chunks = [];
  let first;
  for await (const chunk of response.body) {
    first ??= performance.now() - started;
    chunks.push(chunk);
  }
  const total = performance.now() - started;
  assert.ok(total >= 1200, `three 0.4 s pauses upstream, took ${total} ms`);
  assert.ok(first < total - 800, `first bytes at ${first} ms of ${total} ms`);
  const text = Buffer.concat(chunks).toString();
  const events = text.split("\r\n\r\n").filter(Boolean).map((block) => JSON.parse(block.replace(/^data: /, "")));
  assert.equal(events.length, 4);
  assert.equal(events.map((e) => e.candidates[0].content.parts[0].text).join(""), "echo: count slowly");
  assert.equal(events.at(-1).candidates[0].finishReason, "STOP");
  const [sent] = await admin("/_fake/requests");
  assert.deepEqual(sent.query, { alt: "sse" });
  // The same request straight to the fake gives the same bytes (but for the fake's counter of responses).
  const direct = await fetch(`${fakeUrl}${path}`, { method: "POST", headers: { "x-goog-api-key": KEY }, body: JSON.stringify(body) });
  const counted = (sse) => sse.replace(/"responseId": "fake-\d+"/g, '"responseId": "fake-N"');
  assert.equal(counted(await direct.text()), counted(text));
});

test("a Gemini 4xx passes through: its status, its body, Google's envelope", async () => {
  const response = await native("/v1beta/models/gemini-does-not-exist:generateContent", { body: ask("hi") });
  assert.equal(response.status, 404);
  const direct = await fetch(`${fakeUrl}/v1beta/models/gemini-does-not-exist:generateContent`, {
    method: "POST", headers: { "x-goog-api-key": KEY }, body: JSON.stringify(ask("hi")) });
  const body = await response.text();
  assert.equal(body, await direct.text());
  assert.equal(JSON.parse(body).error.status, "NOT_FOUND");
  assert.equal((await admin("/_fake/requests")).length, 2, "a 404 is not retried");
});

test("key rotation: a 429 is retried with the next key; when every key is limited, Gemini's 429 is the answer", async () => {
  await admin("/_fake/keys", { valid: [], rate_limited: [LIMITED] });
  const rotated = await native("/v1beta/models/gemini-2.5-flash:generateContent", { key: `${LIMITED},${KEY}`, body: ask("rotate") });
  assert.equal(rotated.status, 200);
  assert.equal((await rotated.json()).candidates[0].content.parts[0].text, "echo: rotate");
  assert.deepEqual((await admin("/_fake/requests")).map((r) => r.key), [LIMITED, KEY]);

  // The limited key now rests for Gemini's delay: the pool answers without calling Gemini, in Google's shape.
  const limited = await native("/v1beta/models/gemini-2.5-flash:generateContent", { key: LIMITED, body: ask("again") });
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  const { error } = await limited.json();
  assert.equal(error.status, "RESOURCE_EXHAUSTED");
  assert.ok(error.details.some((d) => d["@type"].endsWith("RetryInfo")), "the wait, as Gemini's own 429s carry it");
  assert.equal((await admin("/_fake/requests")).length, 2, "the second call never reached Gemini");
});

test("the gateway's own errors on native routes use Google's envelope", async () => {
  const missing = await native("/v1beta/models/gemini-2.5-flash:generateContent", { key: null, body: ask("hi") });
  assert.equal(missing.status, 401);
  assert.deepEqual(Object.keys((await missing.json()).error).sort(), ["code", "message", "status"]);

  const big = await native("/v1beta/models/gemini-2.5-flash:generateContent", { body: ask("x".repeat(70000)) });
  assert.equal(big.status, 413);
  const { error } = await big.json();
  assert.equal(error.code, 413);
  assert.equal(error.status, "INVALID_ARGUMENT");
  // On an upload, marked final as Google marks its own: the SDKs otherwise resend the chunk thrice.
  const chunk = await request(handler, "/upload/v1beta/files?upload_id=abc&upload_protocol=resumable", {
    method: "POST", headers: { "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0" }, body: new Uint8Array(70000) });
  assert.equal(chunk.status, 413);
  assert.equal(chunk.headers.get("x-goog-upload-status"), "final");
  assert.equal(big.headers.get("x-goog-upload-status"), null);
  assert.deepEqual(await admin("/_fake/requests"), []);
});

test("a model method with an encoded colon under /v1 is Gemini's own API too (the path is decoded, as ASGI does)", async () => {
  const response = await native("/v1/models/gemini-2.5-flash%3AgenerateContent", { body: ask("encoded") });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).candidates[0].content.parts[0].text, "echo: encoded");
  assert.equal((await admin("/_fake/requests"))[0].path, "/v1/models/gemini-2.5-flash:generateContent");
});

test("a body the platform lost is a clear 400, not an empty upload", async () => {
  // netlify-cli's local server passes the function no body when the request has no Content-Type.
  const response = await request(handler, "/upload/v1beta/files?upload_id=abc&upload_protocol=resumable", {
    method: "POST", headers: { "content-length": "11", "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0" } });
  assert.equal(response.status, 400);
  assert.match((await response.json()).error.message, /did not arrive.*send one/);
  assert.deepEqual(await admin("/_fake/requests"), []);
});

test("Files API: a resumable upload through the gateway, then GET and DELETE", async () => {
  const data = new Uint8Array(3000).map((_, i) => (i * 7) % 256); // binary, not UTF-8
  const start = await native("/upload/v1beta/files", {
    body: { file: { display_name: "bytes.bin" } },
    headers: {
      "x-goog-upload-protocol": "resumable", "x-goog-upload-command": "start",
      "x-goog-upload-header-content-length": String(data.length),
      "x-goog-upload-header-content-type": "application/octet-stream",
    },
  });
  assert.equal(start.status, 200);
  const uploadUrl = start.headers.get("x-goog-upload-url");
  assert.match(uploadUrl, /^https:\/\/gateway\.test\/upload\/v1beta\/files\?upload_id=[\w-]+&upload_protocol=resumable$/);

  const upload = await handler(new Request(uploadUrl, { method: "POST", body: data, headers: {
    "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0" } }), {});
  assert.equal(upload.status, 200);
  assert.equal(upload.headers.get("x-goog-upload-status"), "final");
  const { file } = await upload.json();
  assert.equal(file.displayName, "bytes.bin");
  assert.equal(file.sizeBytes, "3000");
  const digest = createHash("sha256").update(data).digest("hex");
  assert.equal(Buffer.from(file.sha256Hash, "base64").toString(), digest, "the bytes arrived unchanged");
  const sent = await admin("/_fake/requests");
  assert.equal(sent[1].key, null, "the upload's continuation carries no key");

  const got = await native(`/v1beta/${file.name}`, { method: "GET" });
  assert.equal(got.status, 200);
  assert.deepEqual(await got.json(), file);
  const deleted = await native(`/v1beta/${file.name}`, { method: "DELETE" });
  assert.equal(deleted.status, 200);
  assert.deepEqual(await deleted.json(), {});
  assert.equal((await native(`/v1beta/${file.name}`, { method: "GET" })).status, 404);
});

