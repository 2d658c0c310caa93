"""The page at `GET /` (core/landing.py): who gets HTML, its headers and CSP, and what the server writes into it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from core.call import Call
from core.config import Settings
from core.instance import Instance
from core.landing import CONTENT_SECURITY_POLICY, html_page, prefers_html
from core.routing import landing_page

SERVER_KEYS, TOKENS = ("AIzaLandingServerKey0000001", "AIzaLandingServerKey0000002"), ("landing-token-0001",)
# Accept headers as the clients send them: Chromium and Firefox for a page, Safari, curl and the SDKs.
CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept, html", [
    (CHROME, True), (FIREFOX, True), (SAFARI, True), ("TEXT/HTML", True), ("application/xhtml+xml", True),
    ("", False), ("*/*", False), ("application/json", False), ("text/plain", False), ("text/*", False),
    ("text/html;q=0", False), ("text/plain, text/html;q=0.5", False), ("text/html;q=0.5, text/plain;q=0.4", True),
    ("text/html, text/plain", False),  # a tie: today's text
    ("text/html;q=oops", False), ("text/html;level=1;q=0.9, */*;q=0.1", True),
])
def test_html_goes_to_clients_that_rank_it_above_plain_text(accept, html):
    assert prefers_html(accept) is html


class _Parts(HTMLParser):
    """The page's script and style elements and every URL it would load."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict, str]] = []
        self.styles: list[str] = []
        self.loads: list[str] = []
        self._in: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._in = (tag, attrs)
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            if name in attrs:
                self.loads.append(attrs[name])
        if "style" in attrs or any(name.startswith("on") for name in attrs):
            raise AssertionError(f"<{tag}> has an inline style or handler, which the CSP would block")

    def handle_data(self, data):
        if self._in:
            tag, attrs = self._in
            (self.scripts.append((attrs, data)) if tag == "script" else self.styles.append(data))

    def handle_endtag(self, tag):
        self._in = None


def page(settings: Settings = Settings(), platform: str = "vercel") -> _Parts:
    parts = _Parts()
    parts.feed(html_page(settings, platform).decode("utf-8"))
    return parts


def digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_csp_allows_exactly_the_pages_own_script_and_style():
    parts = page()
    [(config_attrs, _), (script_attrs, script)] = parts.scripts
    assert config_attrs == {"type": "application/json", "id": "config"} and script_attrs == {}
    [style] = parts.styles
    policy = dict(directive.split(" ", 1) for directive in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["script-src"] == digest(script) and policy["style-src"] == digest(style)
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert "http" not in CONTENT_SECURITY_POLICY  # no external origin anywhere


def test_the_page_loads_nothing_from_outside():
    parts = page()
    assert [url[:19] for url in parts.loads] == ["data:image/svg+xml,"]  # the favicon
    css = parts.styles[0]
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    script = parts.scripts[1][1]
    assert not re.search(r"fetch\((?!BASE \+ path)", script)  # every call goes to this gateway
    assert "innerHTML" not in script and "eval(" not in script and "document.write" not in script


def test_the_page_is_small():
    body = html_page(Settings(), "local")
    assert len(body) < 40_000, len(body)


@pytest.mark.parametrize("settings, mode", [(Settings(), "pass-through"),
                                            (Settings(api_keys=SERVER_KEYS, auth_tokens=TOKENS), "server")])
def test_the_server_writes_only_the_platform_mode_and_default_model(settings, mode):
    body = html_page(settings, "fc").decode()
    config = json.loads(page(settings, "fc").scripts[0][1])
    assert config == {"platform": "fc", "mode": mode, "model": "gemini-3.8-flash"}
    assert not any(secret in body for secret in SERVER_KEYS + TOKENS)


def test_what_is_written_cannot_end_the_script_element():
    hostile = "</script><script>alert(1)</script>&__SCRIPT__"
    body = html_page(Settings(default_model=hostile), "local").decode()
    config = re.search(r'<script type="application/json" id="config">(.*?)</script>', body, re.S).group(1)
    assert json.loads(config)["model"] == hostile and "<" not in config and "&" not in config
    assert body.count("<script") == 2 and body.count("(function () {") == 1


def call(accept: str | None, method: str = "GET", settings: Settings = Settings(), target: str = "/") -> Call:
    headers = {} if accept is None else {"accept": accept}
    return Call(Instance(settings, platform="lambda"), method, target, headers, token="req1", created=0, now=0.0)


def test_a_browser_gets_the_page_with_its_security_headers():
    answer = call(CHROME).start()
    headers = dict(answer.headers)
    assert answer.status == 200 and answer.body.startswith(b"<!doctype html>")
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert (headers["x-content-type-options"], headers["referrer-policy"], headers["x-frame-options"]) == (
        "nosniff", "no-referrer", "DENY")
    assert headers["vary"] == "Accept" and "access-control-allow-origin" not in headers
    assert b'"platform":"lambda"' in answer.body
    head = call(CHROME, "HEAD").start()
    assert head.body == b"" and dict(head.headers)["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_every_other_client_keeps_todays_text(accept):
    answer = call(accept).start()
    assert answer.body == landing_page(Settings()).encode()
    headers = dict(answer.headers)
    assert headers["content-type"] == "text/plain; charset=utf-8" and headers["vary"] == "Accept"
    assert headers["access-control-allow-origin"] == "*"


def test_v1_alone_is_the_root_too():
    assert call(CHROME, target="/v1").start().body.startswith(b"<!doctype html>")


def test_a_server_key_page_needs_no_token_and_shows_none():
    answer = call(CHROME, settings=Settings(api_keys=SERVER_KEYS, auth_tokens=TOKENS)).start()
    assert answer.status == 200 and b'"mode":"server"' in answer.body
    assert not any(secret.encode() in answer.body for secret in SERVER_KEYS + TOKENS)
