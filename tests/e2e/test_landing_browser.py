"""The landing page in a real browser: Debian's headless Chromium, driven by Selenium through chromedriver.

The page is opened on a gateway in front of the fake Gemini, as a person would: type a key, load
the models, press Test, read the answer or the error in words, switch the language; in server-key
mode, read the key pool's health. Screenshots at desktop and phone widths go to build/screenshots/.

Chromium is told to stay on this machine: no background networking, component updates, sync or
QUIC, a fresh profile, and every host name but 127.0.0.1 resolving to nothing.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.app import Gateway
from tests.e2e.conftest import USER_KEY
from tests.fakes.gemini import serve_in_thread

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
MODEL = "gemini-3.1-pro-preview"  # a model other than the default, picked from the list
TOKEN = "page-test-token-0001"
SERVER_KEYS = "AIzaPageServerKey00000001,AIzaPageServerKey00000002"
DESKTOP, PHONE = (1280, 900), (390, 844)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium (pip)")
    if missing:
        why = f"needs {', '.join(missing)}: apt-get install -y chromium chromium-driver; pip install selenium"
        if os.environ.get("CI"):
            pytest.fail(why)  # CI must prove the page in a browser, not skip it
        pytest.skip(why)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage", "--lang=en-US",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # A driver path given: Selenium Manager (which would download one) is never started.
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver, condition, timeout: float = 10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: condition())


def find(driver, selector: str):
    return driver.find_element("css selector", selector)


def text(driver, selector: str) -> str:
    return find(driver, selector).text


def open_page(driver, url: str, languages: str = "en-US,en") -> None:
    """Open the page as a fresh visitor whose browser prefers `languages`."""
    agent = driver.execute_script("return navigator.userAgent")
    driver.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": languages})
    driver.get(url + "/")
    console_errors(driver)  # forget what earlier pages logged
    driver.execute_script("localStorage.clear()")
    driver.refresh()
    wait(driver, lambda: text(driver, "#status").startswith(("Running", "正在运行")))


def press(driver, selector: str) -> None:
    find(driver, selector).click()


def type_key(driver, key: str) -> None:
    field = find(driver, "#key")
    field.clear()
    field.send_keys(key)


def result(driver, kind: str) -> str:
    """The Test result box's text once it shows a result of `kind` (ok or bad)."""
    wait(driver, lambda: find(driver, "#result").get_attribute("class") == f"result {kind}")
    return text(driver, "#result")


def screenshot(driver, name: str, size: tuple[int, int], *, phone: bool = False) -> Path:
    """The whole page at a width, as a phone (2x pixels, touch layout) or a desktop shows it."""
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 2 if phone else 1, "mobile": phone})
    full = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
        "x": 0, "y": 0, "width": width, "height": full["height"], "scale": 1}})
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"landing-{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def console_errors(driver) -> list[str]:
    """What the page logged as errors since the last look (a CSP violation would be one); an HTTP
    error status the page asked for (and explained) is not one."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and "Failed to load resource: the server responded" not in entry["message"]]


def open_recipe(driver, recipe: str) -> str:
    find(driver, f"details[data-id={recipe}] summary").click()
    return text(driver, f"details[data-id={recipe}] .recipe")


def test_a_person_connects_tests_and_switches_language(browser, gateway, fake):
    url = gateway()
    open_page(browser, url)
    assert text(browser, "h1") == "Gemini gateway"
    assert text(browser, "#status") == "Running on your own server"
    assert (text(browser, "#base"), text(browser, "#root")) == (f"{url}/v1", url)
    assert "Your own Gemini API key" in text(browser, "#keymode")
    assert not find(browser, "#pool").is_displayed()  # pass-through: no key pool to show

    press(browser, "#test")
    assert result(browser, "bad") == "Type your Gemini API key first."
    type_key(browser, USER_KEY)
    press(browser, "#load")
    wait(browser, lambda: "models are open to this key" in text(browser, "#models-note"))
    options = [o.text for o in browser.find_elements("css selector", "#model option")]
    assert MODEL in options and "gemini-3.8-flash (default)" in options
    find(browser, f"#model option[value='{MODEL}']").click()
    press(browser, "#test")
    shown = result(browser, "ok")
    assert shown.startswith("It works\necho: Reply with one short, friendly sentence")
    assert f"Model {MODEL} · " in shown and " ms · " in shown
    assert fake.requests[-1]["key"] == USER_KEY and fake.requests[-1]["path"].endswith(f"/{MODEL}:generateContent")

    codex = open_recipe(browser, "codex")
    assert f'base_url = "{url}/v1"' in codex and 'wire_api = "responses"' in codex and f'model = "{MODEL}"' in codex
    assert f'ANTHROPIC_BASE_URL="{url}"' in open_recipe(browser, "claude")
    assert f"{url}/v1/chat/completions" in open_recipe(browser, "immersive")
    assert console_errors(browser) == []
    screenshot(browser, "desktop-en", DESKTOP)
    screenshot(browser, "phone-en", PHONE, phone=True)

    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    screenshot(browser, "phone-dark", PHONE, phone=True)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    press(browser, "[data-lang=zh]")
    assert text(browser, "h1") == "Gemini 网关" and browser.find_element("css selector", "html").get_attribute("lang") == "zh-CN"
    assert text(browser, "#result").startswith("可以使用\necho:")
    screenshot(browser, "phone-zh", PHONE, phone=True)
    browser.refresh()
    wait(browser, lambda: text(browser, "#status") == "正在运行：你自己的服务器")  # the choice is remembered
    press(browser, "[data-lang=en]")
    assert text(browser, "h1") == "Gemini gateway"


def test_the_page_follows_the_browsers_language(browser, gateway):
    open_page(browser, gateway(), languages="zh-CN,zh,en")
    assert text(browser, "h1") == "Gemini 网关"
    assert text(browser, "#test") == "测试"
    open_page(browser, gateway(), languages="fr-FR,en-GB")
    assert text(browser, "h1") == "Gemini gateway"


@pytest.mark.parametrize("script, words", [
    ({"status": 400, "json": {"error": {"code": 400, "message": "User location is not supported for the API use.",
                                        "status": "FAILED_PRECONDITION"}}},
     "Google does not offer the Gemini API where this gateway runs"),
    ({"status": 429}, "quota is used up, or it sent too many requests too fast. Try again in 7 seconds"),
    ({"status": 503}, "Gemini did not answer properly"),
], ids=["location", "quota", "overloaded"])
def test_errors_are_told_in_words(browser, gateway, fake, script, words):
    open_page(browser, gateway())
    type_key(browser, USER_KEY)
    fake.script(*[script] * 3)  # every retry the gateway makes sees the same
    press(browser, "#test")
    shown = result(browser, "bad")
    assert words in shown, shown
    assert "The gateway said: " in shown


def test_a_key_gemini_refuses(browser, gateway, fake):
    fake.set_keys(valid=["AIzaTheOnlyKeyTheFakeTakes01"])
    open_page(browser, gateway())
    type_key(browser, USER_KEY)
    press(browser, "#test")
    assert "Gemini did not accept this API key" in result(browser, "bad")
    press(browser, "#load")
    wait(browser, lambda: "Gemini did not accept this API key" in text(browser, "#models-note"))


def test_a_pasted_key_with_characters_no_key_has(browser, gateway, fake):
    open_page(browser, gateway())
    type_key(browser, "AIza密钥")
    press(browser, "#test")
    assert result(browser, "bad").startswith("The key holds characters no key has")
    assert fake.requests == []


def test_the_key_is_kept_only_when_asked(browser, gateway):
    open_page(browser, gateway())
    type_key(browser, USER_KEY)
    browser.refresh()
    wait(browser, lambda: text(browser, "#status").startswith("Running"))
    assert find(browser, "#key").get_attribute("value") == ""
    type_key(browser, USER_KEY)
    press(browser, "#remember")
    browser.refresh()
    wait(browser, lambda: find(browser, "#key").get_attribute("value") == USER_KEY)
    assert browser.execute_script("return localStorage.getItem('gemini-gateway.key')") == USER_KEY
    press(browser, "#remember")
    assert browser.execute_script("return localStorage.getItem('gemini-gateway.key')") is None


MINUTE_QUOTA = json.dumps({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "You exceeded your current quota.",
                                      "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                                          {"quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                                           "quotaDimensions": {"model": "gemini-3.8-flash"}}]},
                                          {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "420s"}]}})


@pytest.fixture
def server_gateway(fake_url, fake) -> Iterator[tuple[str, Gateway]]:
    """A server-key gateway whose second key Gemini has just rate-limited on gemini-3.8-flash for 7 minutes."""
    import time

    from core.errors import error_from_gemini

    app = Gateway(env={"GEMINI_BASE_URL": fake_url, "GEMINI_API_KEY": SERVER_KEYS, "AUTH_TOKEN": TOKEN})
    instance = app.instance()
    instance.pool.order(tuple(SERVER_KEYS.split(",")), time.time(), 3)  # the pool learns the keys' positions
    instance.pool.report(SERVER_KEYS.split(",")[1], error_from_gemini(429, MINUTE_QUOTA), time.time(), model="gemini-3.8-flash")
    url, stop = serve_in_thread(app)
    yield url, app
    stop()


def test_server_key_mode_shows_the_pool_only_to_a_token_holder(browser, server_gateway, fake):
    url, _ = server_gateway
    raw = httpx.get(url, headers={"Accept": "text/html"}, timeout=10).text
    assert TOKEN not in raw and not any(key in raw for key in SERVER_KEYS.split(","))
    open_page(browser, url)
    assert text(browser, "#key-label") == "Your access token (AUTH_TOKEN)"
    assert "AUTH_TOKEN" in text(browser, "#keymode")
    assert find(browser, "#pool").is_displayed() and text(browser, "#pool-out") == ""

    press(browser, "#pool-show")
    wait(browser, lambda: text(browser, "#pool-out") == "Type your access token first.")
    type_key(browser, "not-the-token")
    press(browser, "#pool-show")
    wait(browser, lambda: text(browser, "#pool-out") == "This token is not accepted, so nothing about the keys is shown.")
    press(browser, "#test")
    assert "not one of the gateway's access tokens" in result(browser, "bad")

    type_key(browser, TOKEN)
    press(browser, "#pool-show")
    wait(browser, lambda: "Key #2" in text(browser, "#pool-out"))
    shown = text(browser, "#pool-out")
    assert "Key #1\nvalid" in shown
    assert "gemini-3.8-flash: resting until " in shown and "in 7 minutes" in shown
    assert "GenerateRequestsPerMinutePerProjectPerModel-FreeTier" in shown
    press(browser, "#test")
    assert result(browser, "ok").startswith("It works\necho:")
    assert fake.requests[-1]["key"] in SERVER_KEYS.split(",")
    assert console_errors(browser) == []
    screenshot(browser, "desktop-server", DESKTOP)
    screenshot(browser, "phone-server", PHONE, phone=True)

    press(browser, "#pool-check")
    wait(browser, lambda: "checked just now" in text(browser, "#pool-out"))
    assert [r["key"] for r in fake.requests if r["path"] == "/v1beta/models"] == SERVER_KEYS.split(",")  # each key asked once
    press(browser, "[data-lang=zh]")
    assert text(browser, "#pool-out").startswith("2 个密钥中 2 个当前可用")
    screenshot(browser, "phone-server-zh", PHONE, phone=True)
