// The OpenAI Node SDK's streams through a gateway that sends keep-alive comments while Gemini is silent.
// Usage: BASE_URL=http://127.0.0.1:<port>/v1 API_KEY=... node keepalive.mjs <model> <prompt>
// Prints one JSON line: the text of a streamed chat completion and of a streamed Responses answer.
import { blocked } from "./loopback.mjs";
import OpenAI from "openai";

const [model, prompt] = process.argv.slice(2);
const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, maxRetries: 0 });

let chat = "";
for await (const chunk of await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: prompt }] })) {
  chat += chunk.choices[0]?.delta?.content ?? "";
}
const responses = await client.responses.stream({ model, input: prompt }).finalResponse();
console.log(JSON.stringify({ blocked, chat, responses: responses.output_text }));
