// The OpenAI Node SDK's `responses.stream()` with a function tool and `web_search`, two turns of a tool loop.
// Usage: BASE_URL=http://127.0.0.1:<port>/v1 API_KEY=... node node_sdk.mjs <model> <prompt>
// Prints one JSON line: the request bodies sent, the event types seen and both final responses.
import { blocked } from "./loopback.mjs";
import OpenAI from 'openai';

const [model, prompt] = process.argv.slice(2);
const sent = [];
const client = new OpenAI({
  baseURL: process.env.BASE_URL,
  apiKey: process.env.API_KEY,
  fetch: async (url, init) => {
    sent.push(init?.body ? JSON.parse(init.body) : null);
    return fetch(url, init);
  },
});
const tools = [
  { type: 'function', name: 'get_weather', description: 'The weather in a city', strict: true,
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
  { type: 'web_search' },
];

async function turn(input) {
  const stream = client.responses.stream({ model, input, tools });
  const events = [];
  for await (const event of stream) events.push(event.type);
  return { events, response: await stream.finalResponse() };
}

const input = [{ role: 'user', content: prompt }];
const first = await turn(input);
const outputs = first.response.output
  .filter((item) => item.type === 'function_call')
  .map((call) => ({ type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ city: JSON.parse(call.arguments).city, temp: 21 }) }));
const second = await turn([...input, ...first.response.output, ...outputs]);
console.log(JSON.stringify({ sent, blocked, first, second }));
