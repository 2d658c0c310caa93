"""Claude Code (npm @anthropic-ai/claude-code, tests/e2e/clients) against the gateway in front of the fake Gemini.

`claude -p ... --output-format stream-json` runs one turn in a scratch directory with ANTHROPIC_BASE_URL
at the gateway and its non-essential traffic off. The fake answers `#fake:agent=<Tool> k=v` by calling
that tool of Claude Code's (tests/fakes/anthropic_agent.py), then with what the tool returned: the
turn goes through Claude Code's tool loop, its thinking blocks and the thought signature's way back.

Nothing may leave the machine: every HTTP(S) proxy variable points at a trap that records and refuses
what reaches it, and where strace can watch, every connect() Claude Code makes is checked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.e2e.clients import Trap
from tests.e2e.conftest import USER_KEY
from tests.fakes.anthropic_agent import signature

CLAUDE = Path(__file__).parent / "clients" / "node_modules" / ".bin" / "claude"
SERVER_KEY = "AIzaServerHeldKey0000003"
TOKEN = "claude-code-team-token"
# What the README tells a user to set to keep Claude Code to the gateway: no telemetry, error
# reports, update checks (nor its `HEAD /api/hello` probe of the base URL).
QUIET = {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
CONNECT = re.compile(r'connect\(\d+, \{sa_family=AF_INET6?, sin6?_port=htons\((\d+)\), (?:sin_addr=inet_addr\("([^"]+)"\)'
                     r'|.*?inet_pton\(AF_INET6, "([^"]+)")')


def claude(gateway_url: str, prompt: str, tools: str, workdir: Path, auth: dict[str, str]) -> tuple[list[dict], list[tuple[str, int]]]:
    """Run one `claude -p` turn; (its stream-json events, the (host, port) of every connect() when strace can tell)."""
    if not CLAUDE.exists():
        raise RuntimeError("Claude Code is not installed: run `npm ci --prefix tests/e2e/clients`")
    home = workdir / "home"
    home.mkdir()
    trap = Trap()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "TERM": "dumb", "NO_COLOR": "1",
           "ANTHROPIC_BASE_URL": gateway_url, **trap.env(), **QUIET, **auth}
    command = [str(CLAUDE), "-p", prompt, "--output-format", "stream-json", "--verbose", "--allowedTools", tools]
    trace = workdir / "connect.log"
    strace = shutil.which("strace")
    if strace:
        command = [strace, "-f", "-qq", "-e", "trace=connect", "-o", str(trace), *command]
    try:
        result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=180)
    finally:
        trap.close()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert trap.seen == [], f"Claude Code tried to reach beyond the gateway: {trap.seen}"
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    connects = []
    if strace and trace.exists() and "ptrace" not in result.stderr:
        for match in CONNECT.finditer(trace.read_text()):
            connects.append((match.group(2) or match.group(3), int(match.group(1))))
    return events, connects


def tool_uses(events: list[dict]) -> list[dict]:
    return [block for e in events if e.get("type") == "assistant" for block in e["message"]["content"] if block["type"] == "tool_use"]


def tool_results(events: list[dict]) -> list[dict]:
    return [block for e in events if e.get("type") == "user" for block in e["message"]["content"]
            if isinstance(block, dict) and block.get("type") == "tool_result"]


def generate_requests(fake) -> list[dict]:
    return [r for r in fake.requests if r["path"].endswith("GenerateContent") or r["path"].endswith("generateContent")]


def only_the_gateway(connects: list[tuple[str, int]], gateway_url: str) -> None:
    port = int(gateway_url.rsplit(":", 1)[1])
    assert connects, "strace saw no connect() at all"
    assert set(connects) == {("127.0.0.1", port)}, connects


def test_claude_code_reads_a_file_through_the_gateway(gw, fake, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("The launch code is 4711.\n")
    prompt = f"What does notes.txt say? #fake:agent=Read file_path={notes}"
    events, connects = claude(gw, prompt, "Read", tmp_path, {"ANTHROPIC_API_KEY": USER_KEY})

    (use,) = tool_uses(events)
    assert use["name"] == "Read" and use["input"] == {"file_path": str(notes)}
    (result,) = tool_results(events)
    assert result["tool_use_id"] == use["id"] and "The launch code is 4711." in json.dumps(result["content"])
    final = events[-1]
    assert final["type"] == "result" and final["subtype"] == "success" and not final["is_error"]
    assert final["result"].startswith("Done: Read said") and "4711" in final["result"]
    thinking = [b for e in events if e.get("type") == "assistant" for b in e["message"]["content"] if b["type"] == "thinking"]
    assert thinking and thinking[0]["thinking"].startswith("**Choosing a tool**")

    first, second = generate_requests(fake)
    assert first["key"] == USER_KEY and first["path"] == "/v1beta/models/gemini-3.1-pro-preview:streamGenerateContent"
    declared = {d["name"] for t in first["json"]["tools"] for d in t.get("functionDeclarations", [])}
    assert {"Read", "Bash", "Edit", "Write"} <= declared and "DeferredToolPlaceholder" not in declared
    assert first["json"]["generationConfig"]["maxOutputTokens"] == 65536
    # The call comes back to Gemini with the signature it was given, the answer right after it.
    model_turn = second["json"]["contents"][1]
    call = next(p for p in model_turn["parts"] if "functionCall" in p)
    assert call["functionCall"]["name"] == "Read" and call["thoughtSignature"] == signature("Read")
    answer = second["json"]["contents"][2]["parts"][0]["functionResponse"]
    assert answer["name"] == "Read" and "4711" in answer["response"]["output"]
    if connects:
        only_the_gateway(connects, gw)


def test_claude_code_runs_a_command_with_a_server_key_and_its_auth_token(gateway, fake, tmp_path):
    url = gateway({"GEMINI_API_KEY": SERVER_KEY, "AUTH_TOKEN": TOKEN})
    prompt = '#fake:agent=Bash command="echo hello-from-claude-code" description="Print a greeting"'
    events, connects = claude(url, prompt, "Bash", tmp_path, {"ANTHROPIC_AUTH_TOKEN": TOKEN})

    (use,) = tool_uses(events)
    assert use["name"] == "Bash" and use["input"]["command"] == "echo hello-from-claude-code"
    (result,) = tool_results(events)
    assert "hello-from-claude-code" in json.dumps(result["content"]) and not result.get("is_error")
    assert events[-1]["result"] == "Done: Bash said hello-from-claude-code"
    assert all(r["key"] == SERVER_KEY for r in generate_requests(fake))
    if connects:
        only_the_gateway(connects, url)
