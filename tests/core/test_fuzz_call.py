"""The whole lifecycle fuzzed: whatever a client sends, whatever Gemini answers, the Call never raises,
bad input is never a 5xx, and every answer is a well-formed envelope.

The input classes come from the hardening audit: percent-encodings that decode to control
characters, invalid UTF-8 or non-Latin-1 text; lone surrogate escapes in JSON; huge fan-outs;
Gemini error bodies with absurd `retryDelay`s ("NaNs", "infs", negative, 1e400).
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.actions import Answer, Fetch, ParseForm, ReadBody, Stream, Tail
from core.call import Call
from core.config import Settings
from core.instance import Instance

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY = "AIzaSyFuzzKey000000000000000000000001"
OK = json.dumps({"candidates": [{"content": {"parts": [{"text": "ok"}]}, "finishReason": "STOP"}]}).encode()
# A well-formed Gemini answer for each kind of call (the fuzz is about the client's input, not Gemini's).
ANSWERS = {"/models": b'{"models": []}', ":countTokens": b'{"totalTokens": 3}'}


def ok_for(target: str, sent: bytes | None) -> bytes:
    path = target.partition("?")[0]
    if path.endswith(":batchEmbedContents"):  # one vector per input sent
        return json.dumps({"embeddings": [{"values": [0.6, 0.8]}] * len(json.loads(sent or b"{}")["requests"])}).encode()
    return next((answer for suffix, answer in ANSWERS.items() if path.endswith(suffix)), OK)

escapes = st.sampled_from(["%00", "%0b", "%7f", "%ff", "%fe", "%C4%80", "%c3%a9", "%252e%252e", "%2e%2e", "%2F", "%3A",
                           "%3Fkey%3Dx", "%", "%z1", "..", "\u0100", " ", "#"])
segments = st.lists(st.sampled_from(["v1", "v1beta", "models", "chat", "completions", "files", "upload", "gemini-2.5-flash",
                                     "gemini-2.5-flash:generateContent", "responses", "embeddings", "x"]) | escapes, max_size=6)
targets = st.builds(lambda parts, query: "/" + "/".join(parts) + (f"?{query}" if query else ""), segments,
                    st.sampled_from(["", "alt=sse", "key=%FF", "upload_id=1", "pageToken=%00", "a=%C4%80&key=k"]))
surrogate_texts = st.sampled_from(['"\\ud800"', '"\\udfff x"', '"\\ud83d\\ude00"', '"ok"', '"\\u0000"'])
# Numbers a double cannot hold (1e400 parses as infinity), beside a surrogate or anywhere in a request.
numbers = st.sampled_from(["1e400", "-1e999", "1e308", "2.5e-400", "12345678901234567890123", "0.5"])
bodies = st.one_of(
    st.binary(max_size=64),
    surrogate_texts.map(lambda text: ('{"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": %s}]}' % text).encode()),  # noqa: UP031 - % leaves the JSON's braces as they are
    st.tuples(surrogate_texts, numbers, st.sampled_from(["temperature", "x", "seed"])).map(lambda t: json.dumps(
        {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "TEXT"}], t[2]: "NUMBER"})
        .replace('"TEXT"', t[0]).replace('"NUMBER"', t[1]).encode()),
    numbers.map(lambda number: json.dumps({"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}], "tools": [
        {"type": "function", "function": {"name": "f", "parameters": {"properties": {"a": {"maximum": "NUMBER"}}}}}]})
        .replace('"NUMBER"', number).encode()),
    surrogate_texts.map(lambda text: ('{"input": [%s], "model": "gemini-embedding-001"}' % text).encode()),  # noqa: UP031 - % leaves the JSON's braces as they are
    st.integers(0, 5000).map(lambda n: json.dumps({"input": ["x"] * n}).encode()),
    st.integers(0, 200).map(lambda n: json.dumps({"model": "gemini-2.5-flash", "prompt": ["x"] * n}).encode()),
)
methods = st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"])


def drive(call: Call, body: bytes, answer: tuple[int, bytes]) -> Answer | Tail:
    """Play a shell whose Gemini always answers `answer` (streams: that body as the stream)."""
    action = call.start()
    for _ in range(50):
        if isinstance(action, ReadBody):
            action = call.body(body)
        elif isinstance(action, ParseForm):
            action = call.refused(__import__("core.forms", fromlist=["malformed_form"]).malformed_form("fuzz"))
        elif isinstance(action, Fetch):
            for index, outgoing in enumerate(action.requests):
                while (attempt := call.attempt(index, 1.0)) is not None:
                    if outgoing.stream and answer[0] == 200:
                        call.streaming(index, [], 1.0)
                    else:
                        body = ok_for(outgoing.target, attempt.body) if answer[0] == 200 and answer[1] is OK else answer[1]
                        call.answered(index, answer[0], [], body, 1.0)
            action = call.next(1.0)
        elif isinstance(action, Stream):
            call.feed(answer[1])
            action = call.close()
        else:
            return action
    raise AssertionError("the call never ended")


def well_formed(action: Answer | Tail) -> None:
    if isinstance(action, Answer) and action.status >= 400:
        body = json.loads(action.body)
        assert isinstance(body["error"], dict) and body["error"]["message"]
        for name, value in action.headers:
            assert name == name.lower() and "\n" not in value and "\r" not in value
            if name == "retry-after":
                assert value.isdigit() and 1 <= int(value) <= 86400 * 2


@FUZZ
@given(methods, targets, bodies)
def test_no_client_input_is_ever_a_5xx(method, target, body):
    call = Call(Instance(Settings()), method, target, {"authorization": f"Bearer {KEY}"}, token="t", created=1, now=1.0)
    action = drive(call, body, (200, OK))
    well_formed(action)
    if isinstance(action, Answer):
        assert action.status < 500, (target, body[:80], action.body[:200])


retry_delays = st.sampled_from(["NaNs", "infs", "-infs", "-5s", "1e400s", "0s", "0.5s", "37s", "s", "", "99999999999s"])
statuses = st.sampled_from([400, 401, 403, 404, 429, 500, 502, 503, 504, 200])


@FUZZ
@given(statuses, retry_delays, st.sampled_from(["RESOURCE_EXHAUSTED", "INVALID_ARGUMENT", "UNAVAILABLE", 7, None]),
       st.sampled_from(["/v1/chat/completions", "/v1beta/models/gemini-2.5-flash:generateContent", "/v1/embeddings"]),
       st.booleans())
def test_any_gemini_error_becomes_a_well_formed_answer(status, delay, gemini_status, path, stream):
    error = {"error": {"code": status, "message": f"Please retry in {delay}.", "status": gemini_status,
                       "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}]}}
    request = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "x"}], "input": "x", "stream": stream}
    call = Call(Instance(Settings()), "POST", path, {"authorization": f"Bearer {KEY},{KEY[:-1]}2"}, token="t", created=1, now=1.0)
    action = drive(call, json.dumps(request).encode(), (status, json.dumps(error).encode()))
    well_formed(action)
