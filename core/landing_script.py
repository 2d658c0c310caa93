"""The browser page's script: English and Simplified Chinese text, the live checks, the client recipes.

One constant, so its CSP hash (`core.landing`) is computed once. The page reads its configuration
from the `<script id="config">` data block, builds every URL from `location`, and calls only this
gateway: `GET /v1/models`, one short `POST /v1/chat/completions`, and in server-key mode
`GET /v1/gateway/keys` and `POST /v1/gateway/keys/check`. The typed key goes nowhere else, and is
stored only if its owner ticks "remember", in their own browser's localStorage. The DOM is built
with `textContent` only: nothing a server or a model says is ever parsed as HTML.

Client setting names, checked against each client's documentation (2026):
- Cherry Studio: the API address is the root; it appends /v1/chat/completions itself
  (https://docs.cherry-ai.com/docs/en-us/cherry-studio/preview/settings/providers).
- LobeChat: OPENAI_PROXY_URL / "API Proxy Address" includes /v1
  (lobehub docs, self-hosting/environment-variables/model-provider).
- Open WebUI: Admin Settings > Connections > OpenAI > Add Connection, URL with /v1
  (https://docs.openwebui.com/getting-started/quick-start/connect-a-provider/starting-with-openai/).
- Immersive Translate: a custom OpenAI-compatible service takes the whole URL ending in
  chat/completions (https://immersivetranslate.com/zh-Hans/docs/services/ai).
- Cursor: Settings > Models, OpenAI API Key and "Override OpenAI Base URL" with /v1; requests go
  through Cursor's servers, so the URL must be public.
- Codex CLI: ~/.codex/config.toml [model_providers.<id>] base_url (with /v1), env_key,
  wire_api = "responses" (Codex appends /responses).
- Claude Code: ANTHROPIC_BASE_URL without /v1 (it appends /v1/messages), ANTHROPIC_AUTH_TOKEN sent
  as `Authorization: Bearer` (https://code.claude.com/docs/en/env-vars).
"""

__all__ = ["SCRIPT"]

SCRIPT = r"""
(function () {
"use strict";
const cfg = JSON.parse(document.getElementById("config").textContent);
const server = cfg.mode === "server";
const $ = (id) => document.getElementById(id);
// The address the page was opened at is the gateway's: a trailing / or /v1 is not part of it.
const ROOT = location.origin + location.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
const BASE = ROOT + "/v1";
const KEY_PLACEHOLDER = server ? "YOUR_AUTH_TOKEN" : "YOUR_GEMINI_API_KEY";
const STORE_KEY = "gemini-gateway.key", STORE_LANG = "gemini-gateway.lang";

const T = {
en: {
  title: "Gemini gateway", status: "Running on {platform}",
  "p.local": "your own server", "p.vercel": "Vercel", "p.lambda": "AWS Lambda",
  "p.fc": "Alibaba Cloud Function Compute", "p.netlify": "Netlify",
  "connect.h": "Connect an app",
  "connect.p": "Any app that speaks the OpenAI API needs three things: an address, a key, a model.",
  "base.l": "API base URL",
  "base.h": "Some apps add `/v1` themselves and want the address without it: the recipes below say which.",
  copy: "Copy", copied: "Copied", copyfail: "Copy it by hand",
  "key.l": "API key",
  "key.pass": "**Your own Gemini API key** (free at `aistudio.google.com/apikey`): this gateway keeps none and passes yours on to Google. Several, comma-separated, are used in turn.",
  "key.server": "**An access token of this deployment** (its `AUTH_TOKEN`), not a Gemini key: the gateway holds those itself. Ask whoever deployed it.",
  "model.l": "Model",
  "model.help": "Any Gemini model, such as `gemini-2.5-flash` (**Load models** below lists yours). Other names, like `gpt-4o`, get `{model}`.",
  "root.l": "Gemini API host (for Gemini's own SDKs and apps)",
  "try.h": "Check that it works", "try.key": "Your Gemini API key", "try.token": "Your access token (AUTH_TOKEN)",
  show: "Show", hide: "Hide",
  remember: "Remember it in this browser (kept only on this device)",
  load: "Load models", loading: "Loading…", test: "Test", testing: "Testing…",
  "need.key": "Type your Gemini API key first.", "need.token": "Type your access token first.",
  "e.chars": "The key holds characters no key has (line breaks, non-Latin letters or quotes from a word processor): paste it again.",
  prompt: "Reply with one short, friendly sentence to show that you are working.",
  "ok.head": "It works", "ok.empty": "(The model answered with no text.)",
  "ok.meta": "Model {model} · {ms} ms · {tokens} tokens", said: "The gateway said: {msg}",
  "models.n": "{n} models are open to this key.", dflt: "default",
  "e.network": "Could not reach the gateway. Check your connection, or whether the deployment is still up.",
  "e.key": "Gemini did not accept this API key. Copy the whole key again from Google AI Studio (it starts with AIza), or make a new one.",
  "e.token": "This is not one of the gateway's access tokens. The gateway holds its own Gemini keys: ask whoever deployed it for a token (its AUTH_TOKEN).",
  "e.location": "Google does not offer the Gemini API where this gateway runs (the server's region counts, not yours). Deploy it to a supported region, such as the US, Europe or Singapore.",
  "e.quota": "The Gemini key's quota is used up, or it sent too many requests too fast. Try again in {s}; free-tier keys allow only a few requests a minute.",
  secs: "{s} seconds", minute: "a minute",
  "e.credits": "The Gemini project's prepaid credits are used up: top them up in Google AI Studio.",
  "e.denied": "This key may not do that: the Gemini API may be off for its Google Cloud project, or the model is not open to it.",
  "e.model": "This model does not exist, or this key cannot use it. Press Load models and pick one from the list.",
  "e.config": "The deployment's settings are wrong. Whoever deployed it should fix the variable named below.",
  "e.upstream": "Gemini did not answer properly (busy, slow or down). Try again in a moment.",
  "e.bad": "Gemini refused the request.", "e.other": "The gateway answered with HTTP {status}.",
  "pool.h": "Key pool",
  "pool.p": "The deployment's Gemini keys by position (never the keys), as this instance knows them. Uses the token above.",
  "pool.show": "Show key health", "pool.check": "Check every key now", "pool.checking": "Checking every key…",
  "pool.sum": "{ok} of {n} keys valid now", "pool.checked": "checked just now", "pool.none": "The pool has no keys.",
  "pool.401": "This token is not accepted, so nothing about the keys is shown.",
  "pool.404": "This deployment does not report its key pool (no keys of its own, or a version without /v1/gateway/keys).",
  pos: "Key #{n}", "s.ok": "valid", "s.invalid": "invalid", "s.resting": "resting",
  until: "until {time} ({rel})", "m.until": "{model}: resting until {time} ({rel})",
  "recipes.h": "Set up your app",
  "recipes.p": "This gateway's address is filled in; put your key where a recipe says {key}."
},
zh: {
  title: "Gemini 网关", status: "正在运行：{platform}",
  "p.local": "你自己的服务器", "p.vercel": "Vercel", "p.lambda": "AWS Lambda", "p.fc": "阿里云函数计算", "p.netlify": "Netlify",
  "connect.h": "连接应用",
  "connect.p": "任何支持 OpenAI API 的应用都只需要三项设置：地址、密钥和模型。",
  "base.l": "API 地址（Base URL）",
  "base.h": "有些应用会自己加上 `/v1`，要填不带它的地址：下面的教程会写明。",
  copy: "复制", copied: "已复制", copyfail: "请手动复制",
  "key.l": "API 密钥",
  "key.pass": "**你自己的 Gemini API 密钥**（在 `aistudio.google.com/apikey` 免费获取）：网关不保存密钥，只把你的转交给 Google。用英文逗号分隔的多个密钥会轮流使用。",
  "key.server": "**这个部署的访问令牌**（它的 `AUTH_TOKEN`），不是 Gemini 密钥：Gemini 密钥由网关自己保管。请向部署者索取。",
  "model.l": "模型",
  "model.help": "任意 Gemini 模型，例如 `gemini-2.5-flash`（下方 **加载模型** 可列出）。其他名称（如 `gpt-4o`）会使用 `{model}`。",
  "root.l": "Gemini API 主机（用于 Gemini 自己的 SDK 和应用）",
  "try.h": "测试是否可用", "try.key": "你的 Gemini API 密钥", "try.token": "你的访问令牌（AUTH_TOKEN）",
  show: "显示", hide: "隐藏",
  remember: "在此浏览器中记住（只保存在这台设备上）",
  load: "加载模型", loading: "加载中…", test: "测试", testing: "测试中…",
  "need.key": "请先输入你的 Gemini API 密钥。", "need.token": "请先输入你的访问令牌。",
  "e.chars": "密钥里有密钥不会有的字符（换行、中文字符或全角符号）：请重新粘贴。",
  prompt: "请用一句简短友好的话回复，说明你在正常工作。",
  "ok.head": "可以使用", "ok.empty": "（模型没有返回文字。）",
  "ok.meta": "模型 {model} · {ms} 毫秒 · {tokens} 个 token", said: "网关返回：{msg}",
  "models.n": "这个密钥可用 {n} 个模型。", dflt: "默认",
  "e.network": "无法连接到网关。请检查网络，或确认部署是否还在运行。",
  "e.key": "Gemini 不接受这个 API 密钥。请从 Google AI Studio 重新复制完整的密钥（以 AIza 开头），或新建一个。",
  "e.token": "这不是网关的访问令牌。这个网关使用自己保管的 Gemini 密钥：请向部署它的人索取令牌（它的 AUTH_TOKEN）。",
  "e.location": "Google 不在这个网关运行的地区提供 Gemini API（看的是服务器所在地区，不是你所在的地区）。请把它部署到受支持的地区，例如美国、欧洲或新加坡。",
  "e.quota": "这个 Gemini 密钥的配额已用完，或请求发得太快。请{s}后再试；免费层密钥每分钟只能发少量请求。",
  secs: " {s} 秒", minute: "一分钟",
  "e.credits": "这个 Gemini 项目的预付费额度已用完：请在 Google AI Studio 充值。",
  "e.denied": "这个密钥无权这样做：它所在的 Google Cloud 项目可能没有开启 Gemini API，或它不能使用这个模型。",
  "e.model": "这个模型不存在，或这个密钥不能使用它。请点“加载模型”，从列表中选择。",
  "e.config": "这个部署的设置有误。部署它的人应修正下面提到的环境变量。",
  "e.upstream": "Gemini 没有正常回答（繁忙、太慢或故障）。请稍后再试。",
  "e.bad": "Gemini 拒绝了这个请求。", "e.other": "网关返回了 HTTP {status}。",
  "pool.h": "密钥池",
  "pool.p": "这个部署的 Gemini 密钥按序号显示（不显示密钥本身），是这个实例所知的状态。使用上面输入的令牌。",
  "pool.show": "查看密钥状态", "pool.check": "立即检查所有密钥", "pool.checking": "正在检查所有密钥…",
  "pool.sum": "{n} 个密钥中 {ok} 个当前可用", "pool.checked": "刚刚检查过", "pool.none": "密钥池里没有密钥。",
  "pool.401": "这个令牌不被接受，因此不显示任何密钥信息。",
  "pool.404": "这个部署不提供密钥池信息（它没有自己的密钥，或它的版本没有 /v1/gateway/keys）。",
  pos: "密钥 #{n}", "s.ok": "有效", "s.invalid": "无效", "s.resting": "暂停中",
  until: "到 {time}（{rel}）", "m.until": "{model}：暂停到 {time}（{rel}）",
  "recipes.h": "设置你的应用",
  "recipes.p": "已填好这个网关的地址；在教程写着 {key} 的地方填入你的密钥。"
}};

// name, tag, steps and notes per language, code snippets: {base} {root} {key} {model} are filled in.
const RECIPES = [
{id: "cherry", name: "Cherry Studio", tag: {en: "desktop app", zh: "桌面应用"},
 steps: {en: ["Settings → Model Provider → **Add**, provider type **OpenAI**.",
              "API Key: your key. API Address: `{root}` (Cherry Studio adds `/v1/chat/completions` itself).",
              "Press **Manage** to fetch the models, add the ones you want, and switch the provider on."],
         zh: ["设置 → 模型服务 → **添加**，提供商类型选 **OpenAI**。",
              "API 密钥：你的密钥。API 地址：`{root}`（Cherry Studio 会自己加上 `/v1/chat/completions`）。",
              "点 **管理** 获取模型，添加需要的模型，并打开右上角的开关。"]},
 note: {en: "Provider type **Gemini** works too, with the same address: it uses Gemini's own API.",
        zh: "提供商类型选 **Gemini** 也可以，地址相同：它使用 Gemini 自己的 API。"},
 code: [["", "API Address: {root}\nAPI Key:     {key}"]]},
{id: "lobe", name: "LobeChat", tag: {en: "web app", zh: "网页应用"},
 steps: {en: ["Settings → AI Service Provider → **OpenAI**.",
              "API Key: your key. API Proxy Address: `{base}` (with `/v1`).",
              "Press **Check**, then fetch the model list."],
         zh: ["设置 → AI 服务商 → **OpenAI**。", "API Key：你的密钥。API 代理地址：`{base}`（带 `/v1`）。",
              "点 **检查**，再获取模型列表。"]},
 note: {en: "Self-hosted LobeChat reads the same from its environment:", zh: "自部署的 LobeChat 也可以用环境变量设置："},
 code: [[".env", "OPENAI_API_KEY={key}\nOPENAI_PROXY_URL={base}"]]},
{id: "openwebui", name: "Open WebUI", tag: {en: "web app", zh: "网页应用"},
 steps: {en: ["Admin Panel → Settings → Connections → OpenAI → **Manage** (the wrench) → **Add New Connection**.",
              "URL: `{base}`. Key: your key. Save: the Gemini models appear in the model picker."],
         zh: ["管理员面板 → 设置 → 外部连接 → OpenAI → **管理**（扳手图标）→ **添加连接**。",
              "URL：`{base}`。密钥：你的密钥。保存后模型选择器里就会出现 Gemini 模型。"]},
 note: {en: "Or when starting it:", zh: "也可以在启动时设置："},
 code: [["docker", "OPENAI_API_BASE_URL={base}\nOPENAI_API_KEY={key}"]]},
{id: "immersive", name: "Immersive Translate", tag: {en: "browser extension", zh: "浏览器扩展"},
 steps: {en: ["Settings → Translation Services → at the bottom, **add a custom AI translation service compatible with OpenAI**.",
              "Custom API URL: `{base}/chat/completions` (the whole address). APIKEY: your key.",
              "Model: tick the custom model name and type `{model}`. Then press **test the service**."],
         zh: ["设置 → 翻译服务 → 拉到底部，点 **添加兼容 OpenAI 接口的自定义 AI 翻译服务**。",
              "自定义 API 接口地址：`{base}/chat/completions`（完整地址）。APIKEY：你的密钥。",
              "模型：勾选输入自定义模型名称，填 `{model}`。然后点 **点此测试服务**。"]},
 note: {en: "With a free-tier key, lower the maximum requests per second to 1 or 2.",
        zh: "用免费层密钥时，把每秒最大请求数调到 1 或 2。"},
 code: [["", "{base}/chat/completions"]]},
{id: "cursor", name: "Cursor", tag: {en: "code editor", zh: "代码编辑器"},
 steps: {en: ["Cursor Settings → **Models**.",
              "OpenAI API Key: your key. Turn on **Override OpenAI Base URL** and enter `{base}`. Press **Verify**.",
              "Add a custom model named `{model}`."],
         zh: ["Cursor 设置 → **Models**。", "OpenAI API Key：你的密钥。打开 **Override OpenAI Base URL**，填入 `{base}`，点 **Verify**。",
              "添加一个名为 `{model}` 的自定义模型。"]},
 note: {en: "Cursor sends requests from its own servers, so the gateway must be reachable on the internet (not 127.0.0.1).",
        zh: "Cursor 从它自己的服务器发请求，所以网关必须能从互联网访问（不能是 127.0.0.1）。"},
 code: [["", "{base}"]]},
{id: "codex", name: "Codex CLI", tag: {en: "command line", zh: "命令行"},
 steps: {en: ["Put this in `~/.codex/config.toml`, set the variable, and run `codex`."],
         zh: ["把下面的内容写进 `~/.codex/config.toml`，设置环境变量，然后运行 `codex`。"]},
 code: [["~/.codex/config.toml", 'model = "{model}"\nmodel_provider = "gemini-gateway"\n\n[model_providers.gemini-gateway]\nname = "Gemini gateway"\nbase_url = "{base}"\nenv_key = "GEMINI_GATEWAY_KEY"\nwire_api = "responses"'],
        ["shell", 'export GEMINI_GATEWAY_KEY="{key}"\ncodex']]},
{id: "claude", name: "Claude Code", tag: {en: "command line", zh: "命令行"},
 steps: {en: ["Set these before running `claude` (or put them under `env` in `~/.claude/settings.json`). The address has no `/v1`: Claude Code adds `/v1/messages` itself."],
         zh: ["运行 `claude` 前设置这些环境变量（或写进 `~/.claude/settings.json` 的 `env`）。地址不带 `/v1`：Claude Code 会自己加上 `/v1/messages`。"]},
 note: {en: "Needs a gateway version that serves the Anthropic API at `/v1/messages`.",
        zh: "需要提供 Anthropic API（`/v1/messages`）的网关版本。"},
 code: [["shell", 'export ANTHROPIC_BASE_URL="{root}"\nexport ANTHROPIC_AUTH_TOKEN="{key}"\nexport ANTHROPIC_MODEL="{model}"\nexport ANTHROPIC_DEFAULT_HAIKU_MODEL="{model}"\nclaude']]},
{id: "openai", name: "OpenAI SDK", tag: {en: "Python / Node.js", zh: "Python / Node.js"},
 steps: {en: ["Or set `OPENAI_BASE_URL` and `OPENAI_API_KEY`: both SDKs read them."],
         zh: ["也可以设置 `OPENAI_BASE_URL` 和 `OPENAI_API_KEY`：两个 SDK 都会读取。"]},
 code: [["Python", 'from openai import OpenAI\n\nclient = OpenAI(base_url="{base}", api_key="{key}")\nreply = client.chat.completions.create(\n    model="{model}", messages=[{"role": "user", "content": "Hello!"}])\nprint(reply.choices[0].message.content)'],
        ["Node.js", 'import OpenAI from "openai";\n\nconst client = new OpenAI({ baseURL: "{base}", apiKey: "{key}" });\nconst reply = await client.chat.completions.create({\n  model: "{model}", messages: [{ role: "user", content: "Hello!" }] });\nconsole.log(reply.choices[0].message.content);']]},
{id: "genai", name: "Google Gen AI SDK", tag: {en: "Python / Node.js", zh: "Python / Node.js"},
 steps: {en: ["Gemini's own API: the address without `/v1`."], zh: ["Gemini 自己的 API：地址不带 `/v1`。"]},
 code: [["Python", 'from google import genai\n\nclient = genai.Client(api_key="{key}", http_options={"base_url": "{root}"})\nprint(client.models.generate_content(model="{model}", contents="Hello!").text)'],
        ["Node.js", 'import { GoogleGenAI } from "@google/genai";\n\nconst ai = new GoogleGenAI({ apiKey: "{key}", httpOptions: { baseUrl: "{root}" } });\nconst reply = await ai.models.generateContent({ model: "{model}", contents: "Hello!" });\nconsole.log(reply.text);']]},
{id: "curl", name: "curl", tag: {en: "shell", zh: "命令行"},
 steps: {en: ["One chat request, and the model list."], zh: ["一次对话请求，以及模型列表。"]},
 code: [["shell", 'curl {base}/chat/completions \\\n  -H "Authorization: Bearer {key}" \\\n  -H "Content-Type: application/json" \\\n  -d \'{"model": "{model}", "messages": [{"role": "user", "content": "Hello!"}]}\'\n\ncurl {base}/models -H "Authorization: Bearer {key}"']]}
];

let lang = pickLang();
let showResult = null, showModels = null, showPool = null;  // re-run on a language switch

function pickLang() {
  try { const saved = localStorage.getItem(STORE_LANG); if (saved === "en" || saved === "zh") return saved; } catch (e) {}
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of wanted) {
    const l = String(tag).toLowerCase();
    if (l.startsWith("zh")) return "zh";
    if (l.startsWith("en")) return "en";
  }
  return "en";
}
function t(key, vars) {
  const text = T[lang][key] !== undefined ? T[lang][key] : T.en[key] !== undefined ? T.en[key] : key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m)) : text;
}
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}
// `code` and **strong** in translated text, as elements: no HTML is ever parsed.
function rich(node, text) {
  node.textContent = "";
  for (const part of text.split(/(`[^`]*`|\*\*[^*]*\*\*)/)) {
    if (!part) continue;
    if (part[0] === "`") node.append(el("code", null, part.slice(1, -1)));
    else if (part.startsWith("**")) node.append(el("strong", null, part.slice(2, -2)));
    else node.append(part);
  }
  return node;
}
function langTag() { return lang === "zh" ? "zh-CN" : "en"; }
function platformName() { const key = "p." + cfg.platform; return T.en[key] ? t(key) : cfg.platform; }
function model() { return $("model").value || cfg.model; }
function fill(text) {
  const values = {base: BASE, root: ROOT, key: KEY_PLACEHOLDER, model: model()};
  return text.replace(/\{(base|root|key|model)\}/g, (m, name) => values[name]);
}

function applyLang() {
  document.documentElement.lang = langTag();
  document.title = t("title");
  document.querySelectorAll("[data-t]").forEach((node) => rich(node, t(node.dataset.t)));
  document.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === lang)));
  $("status").textContent = t("status", {platform: platformName()});
  rich($("keymode"), t(server ? "key.server" : "key.pass"));
  rich($("modelhelp"), t("model.help", {model: cfg.model}));
  $("key-label").textContent = t(server ? "try.token" : "try.key");
  $("reveal").textContent = t($("key").type === "password" ? "show" : "hide");
  rich(document.querySelector("[data-t='recipes.p']"), t("recipes.p", {key: KEY_PLACEHOLDER}));
  renderRecipes();
  for (const again of [showResult, showModels, showPool]) if (again) again();
}

function renderRecipes() {
  const list = $("recipe-list");
  const open = new Set([...list.querySelectorAll("details[open]")].map((d) => d.dataset.id));
  list.textContent = "";
  for (const recipe of RECIPES) {
    const box = el("details");
    box.dataset.id = recipe.id;
    if (open.has(recipe.id)) box.open = true;
    const summary = el("summary", null, recipe.name);
    summary.append(el("span", "tag", recipe.tag[lang]));
    box.append(summary);
    const body = el("div", "recipe");
    const steps = recipe.steps[lang];
    if (steps.length === 1) body.append(rich(el("p"), fill(steps[0])));
    else {
      const list = el("ol");
      for (const step of steps) list.append(rich(el("li"), fill(step)));
      body.append(list);
    }
    if (recipe.note) body.append(rich(el("p", "note"), fill(recipe.note[lang])));
    for (const [name, code] of recipe.code) {
      const snippet = el("div", name ? "snippet" : "snippet inline"), pre = el("pre", null, fill(code));
      const button = el("button", "copy", t("copy"));
      button.type = "button";
      button.addEventListener("click", () => copy(pre.textContent, button));
      if (name) {
        const bar = el("div", "bar");
        bar.append(el("span", "name", name), button);
        snippet.append(bar, pre);
      } else snippet.append(pre, button);
      body.append(snippet);
    }
    box.append(body);
    list.append(box);
  }
}

async function copy(text, button) {
  let done = false;
  try { await navigator.clipboard.writeText(text); done = true; } catch (e) {
    // navigator.clipboard needs a secure context (https or localhost); the old way works on plain http.
    const area = el("textarea", "offscreen");
    area.value = text;
    document.body.append(area);
    area.select();
    try { done = document.execCommand("copy"); } catch (e2) { done = false; }
    area.remove();
  }
  button.textContent = t(done ? "copied" : "copyfail");
  setTimeout(() => { button.textContent = t("copy"); }, 1600);
}

function credential(into) {
  const key = $("key").value.trim();
  if (!key) { into(t(server ? "need.token" : "need.key")); return null; }
  if (/[^\x20-\x7e]/.test(key)) { into(t("e.chars")); return null; }
  return key;
}

async function call(method, path, body) {
  const key = $("key").value.trim();
  const headers = {"Authorization": "Bearer " + key};
  if (body) headers["Content-Type"] = "application/json";
  const started = performance.now();
  let response;
  try {
    response = await fetch(BASE + path, {method, headers, body: body ? JSON.stringify(body) : undefined,
                                         cache: "no-store", credentials: "omit"});
  } catch (e) {
    return {status: 0, ms: performance.now() - started, data: null, retry: null};
  }
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  return {status: response.status, ms: performance.now() - started, data, retry: response.headers.get("retry-after")};
}

// The gateway's OpenAI error envelope, in words a person understands; its own message goes below.
function explain(res) {
  const error = (res.data && typeof res.data.error === "object" && res.data.error) || {};
  const message = typeof error.message === "string" ? error.message : "";
  const code = error.code || "";
  let key = "e.other";
  if (res.status === 0) key = "e.network";
  else if (/location is not supported/i.test(message)) key = "e.location";
  else if (res.status === 401) key = server ? "e.token" : "e.key";
  else if (res.status === 403) key = "e.denied";
  else if (res.status === 404 && code === "model_not_found") key = "e.model";
  else if (res.status === 429) key = code === "insufficient_quota" ? "e.credits" : "e.quota";
  else if (code === "gateway_misconfigured") key = "e.config";
  else if (res.status >= 500) key = "e.upstream";
  else if (res.status === 400) key = "e.bad";
  const wait = () => (/^\d+$/.test(res.retry || "") ? t("secs", {s: res.retry}) : t("minute"));
  return {head: () => t(key, {s: wait(), status: res.status}), said: message};
}

function busy(button, on, label) {
  button.disabled = on;
  button.textContent = t(on ? label : button.dataset.t);
}

function result(ok, head, answer, meta, said) {
  const box = $("result");
  box.hidden = false;
  box.className = "result " + (ok ? "ok" : "bad");
  box.textContent = "";
  box.append(el("p", "head", head));
  if (answer !== null) box.append(el("p", "answer", answer));
  if (meta) box.append(el("p", "meta", meta));
  if (said) box.append(el("p", "said", t("said", {msg: said})));
}

async function test() {
  if (!credential((text) => { showResult = () => result(false, text, null, null, ""); showResult(); })) return;
  const button = $("test"), chosen = model();
  busy(button, true, "testing");
  const res = await call("POST", "/chat/completions", {model: chosen, messages: [{role: "user", content: t("prompt")}]});
  busy(button, false);
  const choice = res.status === 200 && res.data && Array.isArray(res.data.choices) ? res.data.choices[0] || {} : null;
  if (choice) {
    const answer = (choice.message && typeof choice.message.content === "string" && choice.message.content) || "";
    const usage = (res.data.usage && res.data.usage.total_tokens) || 0;
    showResult = () => result(true, t("ok.head"), answer || t("ok.empty"),
                              t("ok.meta", {model: res.data.model || chosen, ms: Math.round(res.ms), tokens: usage}), "");
  } else {
    const why = explain(res);
    showResult = () => result(false, why.head(), null, null, why.said);
  }
  showResult();
}

function note(text, bad) {
  const node = $("models-note");
  node.textContent = text;
  node.className = bad ? "hint msg bad" : "hint";
}

function fillModels(ids) {
  const select = $("model"), keep = model();
  select.textContent = "";
  const all = ids.includes(cfg.model) ? ids : [cfg.model, ...ids];
  for (const id of all) {
    const option = el("option", null, id === cfg.model ? id + " (" + t("dflt") + ")" : id);
    option.value = id;
    select.append(option);
  }
  select.value = all.includes(keep) ? keep : cfg.model;
}

async function loadModels() {
  if (!credential((text) => { showModels = () => note(text, true); showModels(); })) return;
  const button = $("load");
  busy(button, true, "loading");
  const res = await call("GET", "/models");
  busy(button, false);
  if (res.status === 200 && res.data && Array.isArray(res.data.data)) {
    const ids = res.data.data.map((m) => m && m.id).filter((id) => typeof id === "string");
    fillModels(ids);
    showModels = () => { fillModels(ids); note(t("models.n", {n: ids.length}), false); };
  } else {
    const why = explain(res);
    showModels = () => note(why.head() + (why.said ? " " + t("said", {msg: why.said}) : ""), true);
  }
  showModels();
  renderRecipes();
}

function when(unix) {
  const seconds = unix - Date.now() / 1000, abs = Math.abs(seconds), format = new Intl.RelativeTimeFormat(langTag(), {numeric: "auto"});
  const time = new Date(unix * 1000).toLocaleString(langTag(), abs > 72000 ? {month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"}
                                                                           : {hour: "2-digit", minute: "2-digit"});
  const rel = abs < 90 ? format.format(Math.round(seconds), "second") : abs < 5400 ? format.format(Math.round(seconds / 60), "minute")
            : format.format(Math.round(seconds / 3600), "hour");
  return {time, rel};
}

function renderPool(keys, checked) {
  const out = $("pool-out");
  out.textContent = "";
  if (!keys.length) { out.append(el("p", "msg", t("pool.none"))); return; }
  const valid = keys.filter((k) => k.state === "ok").length;
  out.append(el("p", "pool-sum", t("pool.sum", {ok: valid, n: keys.length}) + (checked ? " · " + t("pool.checked") : "")));
  const list = el("ul", "keys");
  for (const key of keys) {
    const item = el("li"), head = el("div", "k");
    const state = ["ok", "invalid", "resting"].includes(key.state) ? key.state : null;
    head.append(el("span", "pos", t("pos", {n: key.position})),
                el("span", "badge " + (state || "resting"), state ? t("s." + state) : String(key.state)));
    item.append(head);
    if (typeof key.until === "number") item.append(el("p", "when", t("until", when(key.until))));
    const models = Object.entries(key.models || {}).filter(([, until]) => typeof until === "number");
    if (models.length) {
      const sub = el("ul", "models");
      for (const [name, until] of models) sub.append(el("li", null, t("m.until", {model: name, ...when(until)})));
      item.append(sub);
    }
    if (key.note) item.append(el("p", "note", String(key.note)));
    list.append(item);
  }
  out.append(list);
}

async function pool(check) {
  const out = $("pool-out");
  const say = (text) => { out.textContent = ""; out.append(el("p", "msg bad", text)); };
  if (!credential((text) => { showPool = () => say(text); showPool(); })) return;
  const button = $(check ? "pool-check" : "pool-show");
  busy(button, true, check ? "pool.checking" : "loading");
  const res = await call(check ? "POST" : "GET", check ? "/gateway/keys/check" : "/gateway/keys");
  busy(button, false);
  if (res.status === 200 && res.data && Array.isArray(res.data.keys)) {
    const keys = res.data.keys;
    showPool = () => renderPool(keys, check);
  } else if (res.status === 401 || res.status === 404) {
    showPool = () => say(t(res.status === 401 ? "pool.401" : "pool.404"));
  } else {
    const why = explain(res);
    showPool = () => say(why.head() + (why.said ? " " + t("said", {msg: why.said}) : ""));
  }
  showPool();
}

function start() {
  $("base").textContent = BASE;
  $("root").textContent = ROOT;
  fillModels([]);
  try {
    const saved = localStorage.getItem(STORE_KEY);
    if (saved) { $("key").value = saved; $("remember").checked = true; }
  } catch (e) {}
  const remember = () => {
    try {
      const key = $("key").value.trim();
      if ($("remember").checked && key) localStorage.setItem(STORE_KEY, key); else localStorage.removeItem(STORE_KEY);
    } catch (e) {}
  };
  $("remember").addEventListener("change", remember);
  $("key").addEventListener("change", remember);
  $("reveal").addEventListener("click", () => {
    const input = $("key");
    input.type = input.type === "password" ? "text" : "password";
    $("reveal").textContent = t(input.type === "password" ? "show" : "hide");
  });
  document.querySelectorAll("button[data-copy]").forEach((b) => b.addEventListener("click", () => copy($(b.dataset.copy).textContent, b)));
  document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", () => {
    lang = b.dataset.lang;
    try { localStorage.setItem(STORE_LANG, lang); } catch (e) {}
    applyLang();
  }));
  $("load").addEventListener("click", loadModels);
  $("test").addEventListener("click", test);
  $("model").addEventListener("change", renderRecipes);
  if (server) {
    $("pool").hidden = false;
    $("pool-show").addEventListener("click", () => pool(false));
    $("pool-check").addEventListener("click", () => pool(true));
  }
  applyLang();
}
start();
})();
"""
