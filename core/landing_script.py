"""The browser page's script: the language switch, the live checks, the key pool, the recipes drawn.

One constant with its words (`core.landing_text`) inside, so its CSP hash (`core.landing`) is
computed once. The page reads its configuration
from the `<script id="config">` data block, builds every URL from `location`, and calls only this
gateway: `GET /v1/models`, one short `POST /v1/chat/completions`, and in server-key mode
`GET /v1/gateway/keys` and `POST /v1/gateway/keys/check`. The typed key goes nowhere else, and is
stored only if its owner ticks "remember", in their own browser's localStorage. The DOM is built
with `textContent` only: nothing a server or a model says is ever parsed as HTML.
"""

from .landing_text import TEXT

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
""" + TEXT + r"""
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
  const time = new Date(unix * 1000).toLocaleString(langTag(), abs > 72000
                                                                 ? {month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"}
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
