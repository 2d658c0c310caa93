// The Anthropic TypeScript SDK (@anthropic-ai/sdk) against the gateway: each scenario's result as one
// JSON object on stdout, which tests/e2e/test_anthropic_sdk_js.py checks (with what the fake Gemini saw).
// Run: node anthropic_sdk.mjs <gateway URL> <client key> <server-key gateway URL> <its token>
import { blocked } from "./loopback.mjs";
import Anthropic from "@anthropic-ai/sdk";

const [baseURL, apiKey, serverURL, token] = process.argv.slice(2);
const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, timeout: 10_000 });
const WEATHER = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const PDF = Buffer.from("%PDF-1.4\n%%EOF\n").toString("base64");

async function failure(work) {
  try {
    await work();
    return { raised: null };
  } catch (error) {
    return { raised: error.constructor.name, status: error.status ?? null, type: error.type ?? error.error?.error?.type ?? null };
  }
}

const results = {};

results.create = await client.messages.create({
  model: "claude-sonnet-4-6", max_tokens: 100, messages: [{ role: "user", content: "hello from typescript" }],
});

const texts = [];
const stream = client.messages.stream({
  model: "claude-haiku-4-5", max_tokens: 100, messages: [{ role: "user", content: "stream me #fake:chunks=3" }],
}).on("text", (text) => texts.push(text));
results.stream = { texts, final: await stream.finalMessage() };

const prompt = "call get_weather city=Paris";
const first = await client.messages.stream({
  model: "gemini-3.1-pro-preview", max_tokens: 500, tools: [WEATHER], messages: [{ role: "user", content: prompt }],
}).finalMessage();
const call = first.content.find((block) => block.type === "tool_use");
const second = await client.messages.create({
  model: "gemini-3.1-pro-preview", max_tokens: 500, tools: [WEATHER], messages: [
    { role: "user", content: prompt },
    { role: "assistant", content: first.content },
    { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "sunny" }] },
  ],
});
results.tools = { first, second };

results.media = await client.messages.create({
  model: "gemini-2.5-flash-lite", max_tokens: 100, messages: [{ role: "user", content: [
    { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
    { type: "document", source: { type: "base64", media_type: "application/pdf", data: PDF } },
    { type: "text", text: "what are these" },
  ] }],
});

results.count = await client.messages.countTokens({ model: "claude-opus-5-5", messages: [{ role: "user", content: "twelve chars" }] });
const models = [];
for await (const model of client.models.list()) models.push(model.id);
results.models = models;

const ask = (content, model = "gemini-2.5-flash-lite") =>
  client.messages.create({ model, max_tokens: 10, messages: [{ role: "user", content }] });
results.errors = {
  // The 429 rests the key for that model (the gateway's pool): the next error is asked of another model.
  rate_limited: await failure(() => ask("#fake:status=429")),
  overloaded: await failure(() => ask("#fake:status=503", "gemini-3.8-flash")),
  not_found: await failure(() => client.messages.create({ model: "gemini-does-not-exist", max_tokens: 10, messages: [{ role: "user", content: "x" }] })),
  bad_request: await failure(() => client.messages.create({ model: "claude-sonnet-4-6", messages: [{ role: "user", content: "x" }] })),
  unauthenticated: await failure(() => new Anthropic({ baseURL: serverURL, apiKey: "wrong", maxRetries: 0 }).messages.create({
    model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user", content: "x" }] })),
  mid_stream: await failure(() => client.messages.stream({
    model: "gemini-3.1-pro-preview", max_tokens: 100, messages: [{ role: "user", content: "hello #fake:midstream_error" }] }).finalMessage()),
};
results.server_key = await new Anthropic({ baseURL: serverURL, authToken: token, apiKey: null, maxRetries: 0 }).messages.create({
  model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user", content: "bearer token" }],
});

results.blocked = blocked;
process.stdout.write(JSON.stringify(results) + "\n");
