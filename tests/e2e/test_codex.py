"""Codex CLI (npm `@openai/codex`, the binary it ships) against the gateway in front of the fake Gemini.

`codex exec --json` with a throwaway CODEX_HOME whose config.toml is the one README.md gives users:
the gateway as a `model_providers` entry with `wire_api = "responses"` and its `model_catalog_url`,
default features except the plugin sync (which would call github.com and chatgpt.com), stdin closed,
a timeout, and every proxy variable pointed at a trap that must see nothing.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.clients import NODE_MODULES, Trap, require_installed
from tests.e2e.conftest import USER_KEY
from tests.fakes.agents import server_parts_sent_back, signature

MODEL = "gemini-3.1-pro-preview"
CODEX = NODE_MODULES / ".bin" / "codex"
TIMEOUT = 120  # seconds for one `codex exec`; a run takes one or two here
DOT_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="  # 1x1
PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hi from gemini\n*** End Patch\n"

CONFIG = """\
model = "{model}"
model_provider = "gemini"
check_for_update_on_startup = false

[analytics]
enabled = false

[features]
plugins = false

[model_providers.gemini]
name = "Gemini (gateway)"
base_url = "{base}/v1"
model_catalog_url = "{base}/v1/codex/models"
env_key = "GEMINI_API_KEY"
wire_api = "responses"
"""


def codex_in(tmp_path: Path, config: str):
    """`run(*args)`: one `codex exec --json` in a fresh project under `tmp_path`, its events; `.trap`, `.work`."""
    require_installed("@openai/codex")
    home, work = tmp_path / "codex-home", tmp_path / "project"
    home.mkdir()
    work.mkdir()
    (home / "config.toml").write_text(config)
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    trap = Trap()

    def run(*args: str) -> list[dict]:
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CODEX_HOME": str(home), "GEMINI_API_KEY": USER_KEY,
               "LANG": "C.UTF-8", **trap.env()}
        done = subprocess.run([str(CODEX), "exec", "--json", "--sandbox", "workspace-write", *args], cwd=work, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    run.work, run.trap = work, trap  # type: ignore[attr-defined]
    return run


@pytest.fixture
def codex(gw, tmp_path):
    run = codex_in(tmp_path, CONFIG.format(model=MODEL, base=gw))
    yield run
    run.trap.close()
    assert run.trap.seen == [], f"Codex tried to reach the internet: {run.trap.seen}"


def items(events: list[dict], kind: str) -> list[dict]:
    return [e["item"] for e in events if e["type"] == "item.completed" and e["item"]["type"] == kind]


def generate_requests(fake) -> list[dict]:
    return [r["json"] for r in fake.requests if r["path"].endswith(("generateContent", "streamGenerateContent"))]


def test_a_shell_command_an_apply_patch_edit_and_a_resumed_session(codex, fake):
    # Turn 1: Gemini calls Codex's shell tool; Codex runs it and feeds the output back.
    prompt = 'call exec_command {"cmd": "echo hello-from-gemini"}'
    events = codex(prompt)
    assert not items(events, "error"), items(events, "error")  # no "model metadata not found": the catalog was read
    (command,) = items(events, "command_execution")
    assert command["exit_code"] == 0 and "hello-from-gemini" in command["aggregated_output"]
    (message,) = items(events, "agent_message")
    assert message["text"].startswith("result: ") and "hello-from-gemini" in message["text"]
    assert events[-1]["type"] == "turn.completed"
    assert any(r["path"].endswith("/models") and r["method"] == "GET" for r in fake.requests)  # GET /v1/codex/models

    first, second = generate_requests(fake)[-2:]
    declared = {d["name"] for tool in first["tools"] for d in tool.get("functionDeclarations", [])}
    assert {"exec_command", "apply_patch", "tool_search"} <= declared
    assert {"googleSearch": {}} in first["tools"] and first["toolConfig"]["includeServerSideToolInvocations"] is True
    model_turn = [c for c in second["contents"] if c["role"] == "model"][-1]
    call = model_turn["parts"][-1]
    assert call["functionCall"] == {"name": "exec_command", "args": {"cmd": "echo hello-from-gemini"}}
    assert call["thoughtSignature"] == signature(prompt)  # the fake's signature came back in place
    # Codex's web_search tool sat beside the functions: the search Gemini ran went back, signed, before the call.
    assert [next(iter(p)) for p in server_parts_sent_back([model_turn])] == ["toolCall", "toolResponse"]
    assert all(p["thoughtSignature"] for p in server_parts_sent_back([model_turn]))
    answer = second["contents"][-1]["parts"][0]["functionResponse"]
    assert answer["name"] == "exec_command" and "hello-from-gemini" in json.dumps(answer["response"])

    # Turn 2, a resumed session: Gemini edits a file through the freeform apply_patch tool.
    events = codex("resume", "--last", "call apply_patch " + json.dumps({"input": PATCH}))
    (change,) = items(events, "file_change")
    assert change["status"] == "completed" and change["changes"][0]["kind"] == "add"
    assert (codex.work / "hello.txt").read_text() == "hi from gemini\n"
    last = generate_requests(fake)[-1]
    patch_call = [c for c in last["contents"] if c["role"] == "model"][-1]["parts"][-1]
    assert patch_call["functionCall"] == {"name": "apply_patch", "args": {"input": PATCH}}
    assert "Success" in json.dumps(last["contents"][-1]["parts"][0]["functionResponse"]["response"])

    # Turn 3: the whole session goes back to Gemini, both earlier turns included.
    events = codex("resume", "--last", "what did you change?")
    assert items(events, "agent_message")[-1]["text"] == "echo: what did you change?"
    history = generate_requests(fake)[-1]["contents"]
    calls = [p["functionCall"]["name"] for c in history if c["role"] == "model" for p in c["parts"] if "functionCall" in p]
    assert calls == ["exec_command", "apply_patch"]


def test_an_image_codex_views_goes_back_inside_the_function_response(codex, fake):
    # Codex's view_image answers with an input_image part: on Gemini 3, functionResponse.parts.
    (codex.work / "dot.png").write_bytes(base64.b64decode(DOT_PNG))
    events = codex('call view_image {"path": "dot.png"}')
    assert events[-1]["type"] == "turn.completed"
    answer = generate_requests(fake)[-1]["contents"][-1]["parts"][0]["functionResponse"]
    assert answer["name"] == "view_image"
    assert answer["parts"] == [{"inlineData": {"mimeType": "image/png", "data": DOT_PNG}}]


def test_without_the_catalog_a_namespace_call_still_reaches_codex_s_tool(gw, fake, tmp_path):
    # No model_catalog_url: Codex falls back to its default tools, among them the namespace multi_agent_v1.
    config = CONFIG.format(model=MODEL, base=gw).replace(f'model_catalog_url = "{gw}/v1/codex/models"\n', "")
    run = codex_in(tmp_path, config)
    try:
        events = run('call multi_agent_v1.wait_agent {"targets": ["nope"], "timeout_ms": 10}')
    finally:
        run.trap.close()
    assert run.trap.seen == []
    declared = {d["name"] for tool in generate_requests(fake)[-1]["tools"] for d in tool.get("functionDeclarations", [])}
    assert "multi_agent_v1.wait_agent" in declared and "apply_patch" not in declared
    # Codex ran its wait_agent (a bare or dotted name would have been "unsupported call"), and said why it failed.
    answer = generate_requests(fake)[-1]["contents"][-1]["parts"][0]["functionResponse"]
    assert answer["name"] == "multi_agent_v1.wait_agent"
    assert "invalid agent id" in json.dumps(answer["response"]) and "unsupported call" not in json.dumps(answer["response"])
    assert items(events, "agent_message")[-1]["text"].startswith("result: ")


def test_the_readme_config_is_the_one_tested():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    expected = CONFIG.format(model="gemini-3.8-flash", base="https://<your deployment>")
    assert expected in readme
