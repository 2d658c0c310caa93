// The Vercel AI SDK (`ai` + `@ai-sdk/openai`, Responses mode, default settings) against the gateway.
// Usage: BASE_URL=http://127.0.0.1:<port>/v1 API_KEY=... node ai_sdk.mjs <loop|stream|search> <model> <prompt>
// Prints one JSON line: the request bodies the SDK sent and what it made of the answers.
import { blocked } from "./loopback.mjs";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';

const [scenario, model, prompt] = process.argv.slice(2);
const sent = [];
const openai = createOpenAI({
  baseURL: process.env.BASE_URL,
  apiKey: process.env.API_KEY,
  fetch: async (url, init) => {
    sent.push({ url: String(url), body: init?.body ? JSON.parse(init.body) : null });
    return fetch(url, init);
  },
});
const getWeather = tool({
  description: 'The weather in a city',
  inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }),
  execute: async ({ city }) => ({ city, temp: 21 }),
});
const tools = scenario === 'search' ? { web_search: openai.tools.webSearch({}), get_weather: getWeather } : { get_weather: getWeather };
const options = { model: openai(model), prompt, tools, stopWhen: stepCountIs(5) };

let out;
if (scenario === 'stream') {
  const result = streamText(options);
  const chunks = [];
  for await (const part of result.fullStream) chunks.push(part.type);
  out = { text: await result.text, steps: (await result.steps).length, chunks };
} else {
  const result = await generateText(options);
  out = {
    text: result.text,
    steps: result.steps.length,
    toolCalls: result.steps.map((step) => step.toolCalls.map((call) => call.toolName)),
    reasoning: result.steps.map((step) => step.reasoningText ?? null),
  };
}
console.log(JSON.stringify({ sent, blocked, ...out }));
