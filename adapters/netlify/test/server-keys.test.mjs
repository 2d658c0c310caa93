// Server-held keys (GEMINI_API_KEY + AUTH_TOKEN): clients show a token, a pool key goes upstream.
// Its own file, so its own function instance with these settings.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { request, startGateway } from "./fake.mjs";

const TOKEN = "netlify-client-token-0001";
const POOL = ["AIzaNetlifyPoolKey0000001", "AIzaNetlifyPoolKey0000002"];
let fake, handler, admin;

before(async () => ({ fake, handler, admin } = await startGateway({ GEMINI_API_KEY: POOL.join(","), AUTH_TOKEN: TOKEN })));
after(() => fake.kill());
beforeEach(() => admin("/_fake/reset", {}));

const generate = (headers) => request(handler, "/v1beta/models/gemini-2.5-flash:generateContent", {
  method: "POST", headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hello pool" }] }] }),
});

test("native: the client's token stays here, a pool key goes upstream", async () => {
  const response = await generate({ "x-goog-api-key": TOKEN });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).candidates[0].content.parts[0].text, "echo: hello pool");
  const [sent] = await admin("/_fake/requests");
  assert.ok(POOL.includes(sent.key), `a pool key went upstream, not ${sent.key}`);
  assert.ok(!JSON.stringify(sent).includes(TOKEN), "the token never reaches Gemini");
});

test("native: a wrong token is a 401 in Google's envelope, and nothing goes upstream", async () => {
  const response = await generate({ "x-goog-api-key": "not-the-token" });
  assert.equal(response.status, 401);
  const { error } = await response.json();
  assert.equal(error.status, "UNAUTHENTICATED");
  assert.deepEqual(await admin("/_fake/requests"), []);
});

test("native: a rate-limited pool key is rotated past", async () => {
  await admin("/_fake/keys", { valid: [], rate_limited: [POOL[0]] });
  for (let i = 0; i < 2; i++) assert.equal((await generate({ "x-goog-api-key": TOKEN })).status, 200);
  const keys = (await admin("/_fake/requests")).map((r) => r.key);
  assert.equal(keys.filter((key) => key === POOL[0]).length, 1, "the limited key rests after its 429");
  assert.equal(keys.at(-1), POOL[1]);
});

test("OpenAI routes take the token too", async () => {
  const response = await request(handler, "/v1/chat/completions", {
    method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(response.status, 200);
  const [sent] = await admin("/_fake/requests");
  assert.ok(POOL.includes(sent.key));
});
