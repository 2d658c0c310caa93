// The OpenAI Node SDK with stored responses: three turns by previous_response_id, a background response polled
// with responses.retrieve, a background stream cut and resumed with starting_after, cancel, delete, input items.
// Usage: BASE_URL=http://127.0.0.1:<port>/v1 API_KEY=... node node_stored.mjs <model>
// Prints one JSON line: what each step got.
import { blocked } from './loopback.mjs';
import OpenAI from 'openai';

const [model] = process.argv.slice(2);
const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, maxRetries: 0 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function settled(id) {
  let response = await client.responses.retrieve(id);
  for (let i = 0; i < 200 && ['queued', 'in_progress'].includes(response.status); i++) {
    await sleep(50);
    response = await client.responses.retrieve(id);
  }
  return response;
}

// Three turns, each continuing the last.
const first = await client.responses.create({ model, input: 'my name is Ann', store: true });
const second = await client.responses.create({ model, input: 'I live in Bern', previous_response_id: first.id });
const third = await client.responses.create({ model, input: 'recall #fake:history', previous_response_id: second.id });
const turns = [first, second, third].map((r) => ({ id: r.id, text: r.output_text, previous: r.previous_response_id }));

// A background response, polled.
const started = await client.responses.create({ model, input: 'a long job #fake:work=0.3', background: true });
const polled = await settled(started.id);

// A background stream: the client stops reading half-way, then resumes after the last event it saw.
const live = await client.responses.create({ model, input: 'stream it #fake:work=0.4 #fake:chunks=8', background: true, stream: true });
const seen = [];
for await (const event of live) {
  seen.push(event);
  if (event.type === 'response.output_text.delta') break;
}
const last = seen[seen.length - 1].sequence_number;
const resumed = [];
for await (const event of await client.responses.retrieve(seen[0].response.id, { stream: true, starting_after: last })) {
  resumed.push(event);
}
const text = [...seen, ...resumed].filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');

// Cancel, delete, input items.
const slow = await client.responses.create({ model, input: 'slow #fake:work=5', background: true });
const cancelled = await client.responses.cancel(slow.id);
const items = [];
for await (const item of client.responses.inputItems.list(third.id)) items.push(item);
await client.responses.delete(first.id);
let afterDelete = null;
try {
  await client.responses.retrieve(first.id);
} catch (error) {
  afterDelete = error.status;
}

console.log(JSON.stringify({
  blocked, turns,
  background: { started: started.status, final: polled.status, text: polled.output_text },
  stream: { seen: seen.map((e) => e.sequence_number), resumed: resumed.map((e) => e.sequence_number),
            last: resumed[resumed.length - 1].type, text },
  cancelled: cancelled.status, items: items.map((i) => i.content?.[0]?.text), afterDelete,
}));
