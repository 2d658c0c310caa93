"""The browser page's markup and style: plain HTML and CSS, no external resource of any kind.

`core.landing.html_page` fills `__FAVICON__`, `__STYLE__`, `__CONFIG__` and `__SCRIPT__`. Every
element the script fills or translates has an `id` or a `data-t` key (`core.landing_script`); the
English text here is what a reader without JavaScript sees.
"""

__all__ = ["FAVICON", "MARKUP", "STYLE"]

# A blue-violet spark, inline: the browser asks for /favicon.ico otherwise, which is no gateway route.
FAVICON = ("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Cpath fill='%236d5bd0' "
           "d='M16 1c1.6 8 7 13.4 15 15-8 1.6-13.4 7-15 15-1.6-8-7-13.4-15-15 8-1.6 13.4-7 15-15z'/%3E%3C/svg%3E")

MARKUP = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>Gemini gateway</title>
<link rel="icon" href="__FAVICON__">
<style>__STYLE__</style>
</head>
<body>
<header class="top">
  <div class="brand"><span class="spark" aria-hidden="true"></span><h1 data-t="title">Gemini gateway</h1></div>
  <div class="lang" role="group" aria-label="Language / 语言">
    <button type="button" data-lang="en" lang="en">English</button>
    <button type="button" data-lang="zh" lang="zh-CN">中文</button>
  </div>
  <p class="state"><span class="status"><span class="dot" aria-hidden="true"></span><span id="status">Running</span></span></p>
</header>
<main>
<noscript><p class="card">This gateway is running. Point an OpenAI client at this address followed by
<code>/v1</code>. Turn on JavaScript for the settings, the test and the client recipes.</p></noscript>

<section class="card" id="connect">
  <h2 data-t="connect.h">Connect an app</h2>
  <p class="lead" data-t="connect.p"></p>
  <div class="field">
    <div class="label" data-t="base.l">API base URL</div>
    <div class="value"><code id="base" class="url"></code><button type="button" class="copy" data-copy="base"
        data-t="copy">Copy</button></div>
    <p class="hint" data-t="base.h"></p>
  </div>
  <div class="field">
    <div class="label" data-t="key.l">API key</div>
    <p class="value-text" id="keymode"></p>
  </div>
  <div class="field">
    <div class="label" data-t="model.l">Model</div>
    <p class="value-text" id="modelhelp"></p>
  </div>
  <div class="field">
    <div class="label" data-t="root.l">Gemini API host (for Gemini's own SDKs and apps)</div>
    <div class="value"><code id="root" class="url"></code><button type="button" class="copy" data-copy="root"
        data-t="copy">Copy</button></div>
  </div>
</section>

<section class="card" id="try">
  <h2 data-t="try.h">Check that it works</h2>
  <label class="label" for="key" id="key-label" data-t="try.key">Your Gemini API key</label>
  <div class="row">
    <input id="key" type="password" autocomplete="off" autocapitalize="off" spellcheck="false">
    <button type="button" id="reveal" data-t="show">Show</button>
  </div>
  <label class="check"><input type="checkbox" id="remember"> <span data-t="remember"></span></label>
  <label class="label" for="model" data-t="model.l">Model</label>
  <div class="row">
    <select id="model"></select>
    <button type="button" id="load" data-t="load">Load models</button>
  </div>
  <p class="hint" id="models-note" aria-live="polite"></p>
  <button type="button" id="test" class="primary" data-t="test">Test</button>
  <div id="result" class="result" hidden aria-live="polite"></div>
</section>

<section class="card" id="pool" hidden>
  <h2 data-t="pool.h">Key pool</h2>
  <p class="lead" data-t="pool.p"></p>
  <div class="row wrap">
    <button type="button" id="pool-show" data-t="pool.show">Show key health</button>
    <button type="button" id="pool-check" data-t="pool.check">Check every key now</button>
  </div>
  <div id="pool-out" aria-live="polite"></div>
</section>

<section class="card" id="recipes">
  <h2 data-t="recipes.h">Set up your app</h2>
  <p class="lead" data-t="recipes.p"></p>
  <div id="recipe-list"></div>
</section>
</main>
<script type="application/json" id="config">__CONFIG__</script>
<script>__SCRIPT__</script>
</body>
</html>
"""

STYLE = """
:root{--bg:#f5f6fa;--card:#fff;--fg:#1c1f26;--muted:#5d6573;--line:#e2e5ec;--code:#f1f3f8;--accent:#4f46e5;
--accent-fg:#fff;--ok:#137a3a;--ok-bg:#e3f5e9;--warn:#8a5300;--warn-bg:#fdf0d9;--bad:#b3261e;--bad-bg:#fce8e6;
--radius:12px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Hiragino Sans GB",
"Microsoft YaHei","Noto Sans CJK SC",sans-serif;font-size:16px;line-height:1.55;color:var(--fg);background:var(--bg)}
@media (prefers-color-scheme:dark){:root{--bg:#0f1117;--card:#181b23;--fg:#e7e9ee;--muted:#9ba3b1;--line:#2a2f3b;
--code:#11141b;--accent:#8b85ff;--accent-fg:#0f1117;--ok:#6fdc95;--ok-bg:#15301f;--warn:#f2c46d;--warn-bg:#33270f;
--bad:#ff8a80;--bad-bg:#3a1715}}
*{box-sizing:border-box}
body{margin:0;padding:0 16px 32px}
header.top,main{max-width:880px;margin:0 auto}
header.top{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:10px 12px;padding:20px 0 14px}
.brand{display:flex;align-items:center;gap:12px;min-width:0}
.state{flex-basis:100%;margin:0}
.spark{width:36px;height:36px;flex:none;background:linear-gradient(135deg,#4f8df5,#8b5cf6 60%,#d946ef);
clip-path:polygon(50% 0,61% 39%,100% 50%,61% 61%,50% 100%,39% 61%,0 50%,39% 39%)}
h1{font-size:1.35rem;margin:0;line-height:1.2}
h2{font-size:1.1rem;margin:0 0 4px}
.status{color:var(--ok);font-size:.9rem;font-weight:600;display:inline-flex;align-items:center;gap:7px;
background:var(--ok-bg);border-radius:999px;padding:2px 10px 2px 8px}
.dot{width:9px;height:9px;border-radius:50%;background:#22a559;box-shadow:0 0 0 3px rgba(34,165,89,.2)}
.lang{display:flex;flex:none;border:1px solid var(--line);border-radius:999px;overflow:hidden;background:var(--card)}
.lang button{border:0;border-radius:0;background:none;padding:6px 14px;min-height:36px;color:var(--muted)}
.lang button[aria-pressed=true]{background:var(--accent);color:var(--accent-fg)}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:20px;margin:0 0 16px}
.lead{margin:0 0 14px;color:var(--muted)}
.field{padding:12px 0;border-top:1px solid var(--line)}
.field:first-of-type{border-top:0}
.label{display:block;font-weight:600;font-size:.9rem;margin:0 0 6px}
.value{display:flex;gap:8px;align-items:stretch}
.value-text{margin:0}
.hint{margin:6px 0 0;color:var(--muted);font-size:.88rem}
code,pre,input,select{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
code{background:var(--code);border-radius:6px;padding:1px 5px;font-size:.88em;overflow-wrap:anywhere}
code.url{flex:1;display:flex;align-items:center;padding:8px 10px;font-size:.95rem;border:1px solid var(--line);min-width:0}
button{font:inherit;font-size:.92rem;border:1px solid var(--line);background:var(--card);color:var(--fg);border-radius:8px;
padding:8px 14px;min-height:40px;cursor:pointer;white-space:nowrap}
button:hover{border-color:var(--accent)}
button:disabled{opacity:.55;cursor:progress}
button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
button.primary{background:var(--accent);color:var(--accent-fg);border-color:var(--accent);font-weight:600;width:100%;margin-top:14px;min-height:46px}
.row{display:flex;gap:8px;margin:0 0 10px}
.row.wrap{flex-wrap:wrap}
.row.wrap button{flex:1 1 auto}
input[type=password],input[type=text],select{flex:1;min-width:0;font-size:16px;padding:8px 10px;border:1px solid var(--line);
border-radius:8px;background:var(--bg);color:var(--fg);min-height:40px}
.check{display:flex;gap:8px;align-items:center;margin:0 0 14px;font-size:.92rem;color:var(--muted)}
.check input{width:18px;height:18px;margin:0}
.result{margin-top:14px;border-radius:10px;padding:14px;border:1px solid var(--line)}
.result.ok{background:var(--ok-bg);border-color:transparent}
.result.bad{background:var(--bad-bg);border-color:transparent}
.result .head{font-weight:600;margin:0 0 6px}
.result.ok .head{color:var(--ok)}
.result.bad .head{color:var(--bad)}
.result .answer{margin:0 0 8px;white-space:pre-wrap;overflow-wrap:anywhere}
.result .meta{margin:0;color:var(--muted);font-size:.88rem;overflow-wrap:anywhere}
.result .said{margin:8px 0 0;font-size:.82rem;color:var(--muted);font-family:ui-monospace,monospace;overflow-wrap:anywhere}
details{border:1px solid var(--line);border-radius:10px;margin:0 0 8px;background:var(--card)}
summary{cursor:pointer;padding:12px 14px;font-weight:600;list-style-position:inside}
summary .tag{font-weight:400;color:var(--muted);font-size:.85rem;margin-left:6px}
.recipe{padding:0 14px 14px}
.recipe ol{margin:0 0 10px;padding-left:22px}
.recipe li{margin:2px 0}
.recipe .note{color:var(--muted);font-size:.88rem;margin:8px 0 0}
.recipe p{margin:0 0 10px}
.snippet{margin:10px 0 0;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.bar{display:flex;justify-content:space-between;align-items:center;gap:8px;padding:4px 4px 4px 12px;
background:var(--bg);border-bottom:1px solid var(--line)}
.bar .name{font-size:.8rem;color:var(--muted)}
.bar button{min-height:30px;padding:3px 12px;font-size:.8rem}
pre{margin:0;background:var(--code);padding:12px;overflow-x:auto;font-size:.84rem;line-height:1.5}
.snippet.inline{display:flex;align-items:center;background:var(--code)}
.snippet.inline pre{flex:1;min-width:0}
.snippet.inline button{margin:0 6px;min-height:30px;padding:3px 12px;font-size:.8rem}
.pool-sum{margin:14px 0 8px;font-weight:600}
.keys{list-style:none;margin:0;padding:0;display:grid;gap:8px}
.keys>li{border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.keys .k{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.keys .pos{font-weight:600}
.badge{border-radius:999px;padding:1px 10px;font-size:.82rem;font-weight:600}
.badge.ok{background:var(--ok-bg);color:var(--ok)}
.badge.resting{background:var(--warn-bg);color:var(--warn)}
.badge.invalid{background:var(--bad-bg);color:var(--bad)}
.keys .when,.keys .models,.keys .note{color:var(--muted);font-size:.88rem;margin:4px 0 0}
.keys .models{padding-left:18px}
.msg{margin:12px 0 0}
.msg.bad{color:var(--bad)}
.offscreen{position:fixed;left:-9999px;top:0}
@media (max-width:560px){body{padding:0 10px 24px}.card{padding:16px 14px}h1{font-size:1.15rem}
.spark{width:28px;height:28px}.brand{gap:8px}.lang button{padding:6px 10px}
.recipe{padding:0 10px 12px}summary{padding:12px 10px}pre{font-size:.78rem;padding:10px}}
"""
