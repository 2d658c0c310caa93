// Images, speech and transcription through the function: JSON and multipart requests in, JSON,
// PNGs, MP3 (encoded here, in JavaScript), WAV and text out.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { bytesOf, request, startGateway } from "./fake.mjs";

const KEY = "AIzaNetlifyMediaKey000001";
const AUTH = { authorization: `Bearer ${KEY}` };
let fake, handler, admin;

before(async () => ({ fake, handler, admin } = await startGateway()));
after(() => fake.kill());
beforeEach(() => admin("/_fake/reset", {}));

const post = (path, body) => request(handler, path, {
  method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify(body) });
const postForm = (path, form) => request(handler, path, { method: "POST", headers: AUTH, body: form });
const pngSize = (png) => [png.readUInt32BE(16), png.readUInt32BE(20)]; // the IHDR chunk's width and height

/** A mono 16-bit WAV of `seconds` of a 220 Hz tone at `rate`. */
function wav(seconds, rate = 16000) {
  const samples = Math.round(seconds * rate);
  const file = Buffer.alloc(44 + 2 * samples);
  file.write("RIFF", 0);
  file.writeUInt32LE(36 + 2 * samples, 4);
  file.write("WAVEfmt ", 8);
  file.writeUInt32LE(16, 16);
  file.writeUInt16LE(1, 20); // PCM
  file.writeUInt16LE(1, 22); // mono
  file.writeUInt32LE(rate, 24);
  file.writeUInt32LE(2 * rate, 28);
  file.writeUInt16LE(2, 32);
  file.writeUInt16LE(16, 34);
  file.write("data", 36);
  file.writeUInt32LE(2 * samples, 40);
  for (let i = 0; i < samples; i++) file.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate)), 44 + 2 * i);
  return file;
}

test("images: n=2 pictures as b64_json, two upstream calls, size as the aspect ratio", async () => {
  const response = await post("/v1/images/generations", { prompt: "a red square", n: 2, size: "1792x1024", response_format: "b64_json" });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.data.length, 2);
  for (const { b64_json } of body.data) {
    const png = Buffer.from(b64_json, "base64");
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    assert.deepEqual(pngSize(png), [32, 18]); // the fake's smallest 16:9 picture
  }
  const sent = await admin("/_fake/requests");
  assert.equal(sent.length, 2);
  for (const { path, json } of sent) {
    assert.match(path, /^\/v1beta\/models\/gemini-[\w.-]+:generateContent$/);
    assert.equal(json.generationConfig.imageConfig.aspectRatio, "16:9");
  }
});

test("image edits: a multipart form with two images", async () => {
  const generated = await (await post("/v1/images/generations", { prompt: "a blue square" })).json();
  const png = Buffer.from(generated.data[0].b64_json, "base64");
  await admin("/_fake/reset", {});
  const form = new FormData();
  form.append("prompt", "make them one");
  form.append("image[]", new Blob([png], { type: "image/png" }), "first.png");
  form.append("image[]", new Blob([png], { type: "image/png" }), "second.png");
  const response = await postForm("/v1/images/edits", form);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.data.length, 1);
  assert.match(body.data[0].revised_prompt, /^Edited 2 input image\(s\)/);
  const [sent] = await admin("/_fake/requests");
  const parts = sent.json.contents.at(-1).parts;
  const images = parts.filter((p) => p.inlineData);
  assert.equal(images.length, 2);
  assert.deepEqual(images.map((p) => Buffer.from(p.inlineData.data, "base64").equals(png)), [true, true], "the bytes, unchanged");
  assert.ok(parts.some((p) => p.text?.includes("make them one")));
});

test("speech: mp3, encoded from Gemini's 24 kHz PCM (MPEG-2 Layer III, 64 kbit/s, mono)", async () => {
  const response = await post("/v1/audio/speech", { model: "gemini-3.8-flash-tts", input: "Hello from the gateway.", voice: "alloy" });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "audio/mpeg");
  const mp3 = Buffer.from(await bytesOf(response));
  // Walk the file frame by frame: every header says MPEG-2 Layer III, 64 kbit/s, 24000 Hz, mono, and
  // the frames (72 * 64000 / 24000 = 192 bytes, plus a padding byte) fill the file exactly.
  let offset = mp3.subarray(0, 3).toString() === "ID3" ? 10 + ((mp3[6] << 21) | (mp3[7] << 14) | (mp3[8] << 7) | mp3[9]) : 0;
  let frames = 0;
  while (offset < mp3.length) {
    const header = mp3.subarray(offset, offset + 4);
    assert.equal(header[0], 0xff, `frame sync at ${offset}`);
    assert.equal(header[1] & 0xe0, 0xe0, `frame sync at ${offset}`);
    assert.equal((header[1] >> 3) & 3, 2, "MPEG-2 (the version for 24 kHz)");
    assert.equal((header[1] >> 1) & 3, 1, "Layer III");
    assert.equal(header[2] >> 4, 8, "64 kbit/s");
    assert.equal((header[2] >> 2) & 3, 1, "24000 Hz");
    assert.equal(header[3] >> 6, 3, "mono");
    offset += 192 + ((header[2] >> 1) & 1);
    frames++;
  }
  assert.equal(offset, mp3.length);
  // 23 characters at the fake's 0.02 s each: 0.46 s, in frames of 576 samples (plus the encoder's delay).
  const seconds = (frames * 576) / 24000;
  assert.ok(seconds >= 0.46 && seconds < 0.46 + 0.1, `${frames} frames: ${seconds} s`);
  const [sent] = await admin("/_fake/requests");
  assert.equal(sent.json.generationConfig.speechConfig.voiceConfig.prebuiltVoiceConfig.voiceName, "Kore");
});

test("speech: wav, 24000 Hz 16-bit mono, from an older model's raw PCM too", async () => {
  for (const model of ["gemini-3.8-flash-tts", "gemini-2.5-flash-preview-tts"]) {
    const response = await post("/v1/audio/speech", { model, input: "Hello there.", voice: "Puck", response_format: "wav" });
    assert.equal(response.status, 200, model);
    assert.equal(response.headers.get("content-type"), "audio/wav");
    const file = Buffer.from(await bytesOf(response));
    assert.equal(file.subarray(0, 4).toString(), "RIFF");
    assert.equal(file.subarray(8, 16).toString(), "WAVEfmt ");
    assert.equal(file.readUInt16LE(22), 1, "mono");
    assert.equal(file.readUInt32LE(24), 24000);
    assert.equal(file.readUInt16LE(34), 16);
    assert.equal(file.readUInt32LE(40), file.length - 44);
    assert.ok(Math.abs((file.length - 44) / 48000 - 0.24) < 0.01, "12 characters: 0.24 s");
  }
});

test("transcription: a WAV made here, as json and as srt", async () => {
  const audio = wav(2);
  const ask = (format) => {
    const form = new FormData();
    form.append("file", new Blob([audio], { type: "audio/wav" }), "clip.wav");
    form.append("model", "gemini-2.5-flash");
    form.append("response_format", format);
    return postForm("/v1/audio/transcriptions", form);
  };
  const json = await ask("json");
  assert.equal(json.status, 200);
  const transcript = await json.json();
  assert.equal(transcript.text, "Hello from the fake transcriber. This is the second segment.");
  assert.ok(transcript.usage.input_token_details.audio_tokens > 0);
  const [sent] = await admin("/_fake/requests");
  const inline = sent.json.contents.at(-1).parts.find((p) => p.inlineData).inlineData;
  assert.equal(inline.mimeType, "audio/wav");
  assert.ok(Buffer.from(inline.data, "base64").equals(audio), "the upload's bytes, unchanged");

  const srt = await ask("srt");
  assert.equal(srt.status, 200);
  assert.match(srt.headers.get("content-type"), /^text\/plain/);
  assert.match(await srt.text(), /^1\n00:00:00,000 --> 00:00:01,200\n.+\n\n2\n00:00:01,200 --> 00:00:02,000\n.+\n\n$/);
});

test("transcription: a file part that declares no type is known by its name", async () => {
  // undici calls such a part text/plain (the HTML standard's default); the gateway reads it as unknown.
  const body = ["--B0undary", 'Content-Disposition: form-data; name="file"; filename="voice.flac"', "", "not really flac",
    "--B0undary", 'Content-Disposition: form-data; name="response_format"', "", "text", "--B0undary--", ""].join("\r\n");
  const response = await request(handler, "/v1/audio/transcriptions", {
    method: "POST", headers: { ...AUTH, "content-type": "multipart/form-data; boundary=B0undary" }, body });
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(await response.text(), "Hello from the fake transcriber. This is the second segment.\n");
  const [sent] = await admin("/_fake/requests");
  assert.equal(sent.json.contents.at(-1).parts.find((p) => p.inlineData).inlineData.mimeType, "audio/flac");
});

test("forms: a body that is not valid multipart, or not multipart at all, is a clear 400", async () => {
  const cases = [
    ["multipart/form-data; boundary=B0undary", "--B0undary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ncut", /malformed/],
    ["multipart/form-data", "--x--\r\n", /no boundary/],
    ["application/json", "{}", /takes multipart\/form-data \(file uploads\), not application\/json/],
    ["application/x-www-form-urlencoded", "model=whisper-1", /not application\/x-www-form-urlencoded/],
  ];
  for (const [type, body, message] of cases) {
    const response = await request(handler, "/v1/audio/transcriptions", { method: "POST", headers: { ...AUTH, "content-type": type }, body });
    assert.equal(response.status, 400, type);
    const { error } = await response.json();
    assert.equal(error.type, "invalid_request_error");
    assert.match(error.message, message);
  }
  const missing = new FormData();
  missing.append("model", "gemini-2.5-flash");
  const response = await postForm("/v1/audio/transcriptions", missing);
  assert.equal(response.status, 400);
  assert.equal((await response.json()).error.param, "file");
  assert.deepEqual(await admin("/_fake/requests"), []);
});
