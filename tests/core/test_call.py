"""The request lifecycle (core/call.py), driven here as a shell would, against scripted upstream outcomes.

Every path a shell can take — answers, rotation, streams, keep-alives, empty answers, scrubbing,
native calls, steps out of order — runs in plain CPython, in microseconds, with no I/O at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import core.exchange
from core.actions import Answer, Fetch, ParseForm, ReadBody, Stream, Tail
from core.call import MAX_PARALLEL, Call, CallStateError
from core.config import Settings, settings_from_env
from core.errors import ConfigError
from core.forms import Form
from core.instance import Instance
from core.keys import key_tag

KEY1 = "AIzaSyTestKeyNumberOne00000000000000001"
KEY2 = "AIzaSyTestKeyNumberTwo00000000000000002"
KEY3 = "AIzaSyTestKeyNumberThree000000000000003"
TOKEN = "gateway-token-0001"
NOW = 1_800_000_000.0


def text_answer(text: str = "hi", finish: str = "STOP") -> bytes:
    parts = [{"text": text}] if text else []
    return json.dumps({"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish}],
                       "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}}).encode()


def error_body(code: int, status: str, message: str, **extra: Any) -> bytes:
    return json.dumps({"error": {"code": code, "status": status, "message": message, **extra}}).encode()


def sse(*events: dict) -> bytes:
    return b"".join(b"data: " + json.dumps(event).encode() + b"\r\n\r\n" for event in events)


def chunk(text: str, finish: str | None = None) -> dict:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}] if text else []}}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}}


CHAT = json.dumps({"model": "gemini-3.8-flash", "messages": [{"role": "user", "content": "hello"}]}).encode()
STREAM = json.dumps({"model": "gemini-3.8-flash", "stream": True, "messages": [{"role": "user", "content": "hello"}]}).encode()


def new_call(instance: Any = None, method: str = "POST", target: str = "/v1/chat/completions", headers: dict | None = None,
             **settings: Any) -> Call:
    if instance is None:
        instance = Instance(Settings(**settings))
    headers = {**({} if "x-goog-api-key" in (headers or {}) else {"authorization": f"Bearer {KEY1}"}), **(headers or {})}
    return Call(instance, method, target, headers, token="req1", created=1700000000, now=NOW)


class Upstream:
    """A scripted Gemini: `outcomes` are consumed one per attempt — ("answer", status, body),
    ("stream", [chunks]), ("unreachable",), ("cut",). It records what each attempt sent."""

    def __init__(self, *outcomes: tuple) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[dict[str, Any]] = []


def run(call: Call, upstream: Upstream, body: bytes = b"", *, form: Form | None = None,
        on_fetch: Callable[[Call, Fetch], None] | None = None) -> tuple[Any, bytes]:
    """Play the shell: returns (the final Answer or Tail, every streamed byte sent before it)."""
    action = call.start()
    streamed = b""
    while True:
        if isinstance(action, ReadBody):
            action = call.body(body)
        elif isinstance(action, ParseForm):
            action = call.form(form)
        elif isinstance(action, Fetch):
            if on_fetch is not None:
                on_fetch(call, action)
            streams: dict[int, list[bytes]] = {}
            for index, outgoing in enumerate(action.requests):
                while (attempt := call.attempt(index, NOW)) is not None:
                    upstream.sent.append({"index": index, "headers": dict(attempt.headers), "body": attempt.body,
                                          "target": outgoing.target})
                    outcome = upstream.outcomes.pop(0)
                    if outcome[0] == "answer":
                        call.answered(index, outcome[1], list(outcome[3].items()) if len(outcome) > 3 else [], outcome[2], NOW)
                    elif outcome[0] == "stream":
                        streams[index] = outcome[1]
                        call.streaming(index, [], NOW)
                    elif outcome[0] == "unreachable":
                        call.unreachable(index, "unreachable", "ConnectError", NOW)
                    else:
                        call.cut(index, "unreachable", "ProtocolError", NOW)
            action = call.next(NOW)
            upstream.streams = streams
        elif isinstance(action, Stream):
            failed = None
            for piece in upstream.streams[0]:
                if piece is ConnectionError:
                    failed = call.fail("unreachable", "ProtocolError")
                    break
                streamed += call.feed(piece)
                if call.closed:
                    break
            action = failed or call.close()
        else:
            call.finish(NOW + 0.001)
            return action, streamed


def envelope(answer: Answer) -> dict:
    return json.loads(answer.body)["error"]


# --- answers ------------------------------------------------------------------------------------


def test_a_chat_request_becomes_one_attempt_and_its_answer():
    upstream = Upstream(("answer", 200, text_answer("hello back")))
    call = new_call()
    answer, _ = run(call, upstream, CHAT)
    assert isinstance(answer, Answer) and answer.status == 200
    assert json.loads(answer.body)["choices"][0]["message"]["content"] == "hello back"
    assert ("x-request-id", "req1") in answer.headers and ("access-control-allow-origin", "*") in answer.headers
    [sent] = upstream.sent
    assert sent["headers"]["x-goog-api-key"] == KEY1 and sent["target"] == "/v1beta/models/gemini-3.8-flash:generateContent"
    assert call.log["status"] == 200 and call.log["attempts"] == 1 and call.log["usage"]


def test_preflight_and_the_landing_page_need_no_key():
    answer = new_call(method="OPTIONS", headers={"authorization": "", "origin": "https://app.example"}).start()
    assert answer.status == 204 and dict(answer.headers)["access-control-allow-methods"]
    page = new_call(method="GET", target="/", headers={"authorization": ""}).start()
    assert page.status == 200 and b"running" in page.body
    assert new_call(method="HEAD", target="/", headers={"authorization": ""}).start().body == b""


def test_a_bad_configuration_answers_every_request_naming_the_variable():
    try:
        settings_from_env({"AUTH_TOKEN": TOKEN})
    except ConfigError as error:
        broken = error
    answer = new_call(broken).start()
    assert answer.status == 500 and "GEMINI_API_KEY" in envelope(answer)["message"] and "AUTH_TOKEN" in envelope(answer)["message"]
    native = new_call(broken, method="GET", target="/v1beta/models").start()
    assert envelope(native)["status"] == "INTERNAL"  # Google's envelope on Gemini's own routes


def test_the_body_is_read_only_after_the_key_is_checked():
    answer = new_call(headers={"authorization": ""}).start()
    assert answer.status == 401
    assert isinstance(new_call().start(), ReadBody)


def test_body_limits_and_a_slow_body():
    assert new_call(headers={"content-length": str(10**9)}).start().status == 413
    call = new_call(max_body_bytes=10)
    assert isinstance(call.start(), ReadBody)
    assert call.body(b"x" * 11).status == 413
    slow = new_call(body_timeout=5)
    read = slow.start()
    assert read.timeout == 5
    answer = slow.body_timeout()
    assert answer.status == 408 and envelope(answer)["code"] == "request_timeout"


@pytest.mark.parametrize("target, status", [("/v1/chat/completions/%00", 400), ("/v1/models/%ff%fe", 400), ("/v1/models/a%0bb", 400)])
def test_a_path_no_client_could_mean_is_a_400(target, status):
    assert new_call(method="GET", target=target).start().status == status


# --- rotation -----------------------------------------------------------------------------------


def test_a_rate_limited_key_is_rotated_past():
    limited = error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.")
    upstream = Upstream(("answer", 429, limited), ("answer", 200, text_answer()))
    call = new_call(headers={"authorization": f"Bearer {KEY1},{KEY2}"})
    answer, _ = run(call, upstream, CHAT)
    assert answer.status == 200 and [s["headers"]["x-goog-api-key"] for s in upstream.sent] == [KEY1, KEY2]
    assert call.log["attempts"] == 2


def test_a_connection_failure_tries_the_next_key_but_a_body_cut_after_the_status_does_not():
    upstream = Upstream(("unreachable",), ("answer", 200, text_answer()))
    assert run(new_call(headers={"authorization": f"Bearer {KEY1},{KEY2}"}), upstream, CHAT)[0].status == 200
    upstream = Upstream(("cut",), ("answer", 200, text_answer()))
    answer, _ = run(new_call(headers={"authorization": f"Bearer {KEY1},{KEY2}"}), upstream, CHAT)
    assert answer.status == 502 and len(upstream.sent) == 1  # billed once, never twice
    upstream = Upstream(("answer", 200, b"<html>not json</html>"), ("answer", 200, text_answer()))
    answer, _ = run(new_call(headers={"authorization": f"Bearer {KEY1},{KEY2}"}), upstream, CHAT)
    assert answer.status == 502 and len(upstream.sent) == 1


def test_a_client_error_is_not_retried_and_keeps_gemini_s_words():
    upstream = Upstream(("answer", 400, error_body(400, "INVALID_ARGUMENT", "Bad thing.")), ("answer", 200, text_answer()))
    answer, _ = run(new_call(headers={"authorization": f"Bearer {KEY1},{KEY2}"}), upstream, CHAT)
    assert answer.status == 400 and envelope(answer)["message"] == "Bad thing." and len(upstream.sent) == 1


def test_parallel_requests_are_bounded():
    body = json.dumps({"model": "gemini-3-pro-image", "prompt": "a cat", "n": 10}).encode()
    seen = []
    png = json.dumps({"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]},
                                      "finishReason": "STOP"}]}).encode()
    upstream = Upstream(*[("answer", 200, png)] * 10)
    answer, _ = run(new_call(target="/v1/images/generations"), upstream, body, on_fetch=lambda call, fetch: seen.append(fetch))
    assert answer.status == 200 and len(json.loads(answer.body)["data"]) == 10
    assert len(seen[0].requests) == 10 and seen[0].parallel == MAX_PARALLEL


# --- empty answers --------------------------------------------------------------------------------


def test_an_empty_answer_is_asked_again_once_on_the_next_key():
    upstream = Upstream(("answer", 200, text_answer("")), ("answer", 200, text_answer("", "MALFORMED_FUNCTION_CALL")))
    call = new_call(headers={"authorization": f"Bearer {KEY1},{KEY2}"})
    answer, _ = run(call, upstream, CHAT)
    assert answer.status == 200 and [s["headers"]["x-goog-api-key"] for s in upstream.sent] == [KEY1, KEY2]
    assert call.log["retried"] == ["empty answer"]
    # once only: the second empty answer is the client's
    assert json.loads(answer.body)["choices"][0]["message"]["content"] in ("", None)


def test_an_empty_answer_with_one_key_is_asked_of_the_same_key_and_the_setting_turns_it_off():
    upstream = Upstream(("answer", 200, text_answer("")), ("answer", 200, text_answer("second try")))
    answer, _ = run(new_call(), upstream, CHAT)
    assert json.loads(answer.body)["choices"][0]["message"]["content"] == "second try" and len(upstream.sent) == 2
    upstream = Upstream(("answer", 200, text_answer("")))
    answer, _ = run(new_call(retry_empty_answers=False), upstream, CHAT)
    assert answer.status == 200 and len(upstream.sent) == 1


def test_an_empty_stream_is_held_back_and_asked_again_and_the_client_sees_only_the_second():
    empty = [sse(chunk("", "STOP"))]
    full = [sse(chunk("Hel")), sse(chunk("lo", "STOP"))]
    upstream = Upstream(("stream", empty), ("stream", full))
    call = new_call()
    fetches: list[Fetch] = []
    tail, streamed = run(call, upstream, STREAM, on_fetch=lambda call, fetch: fetches.append(fetch))
    events = [json.loads(line[6:]) for line in (streamed + tail.data).split(b"\n\n") if line.startswith(b"data: {")]
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events if e["choices"]) == "Hello"
    assert sum(1 for e in events if e["choices"] and e["choices"][0]["delta"].get("role")) == 1  # one role chunk, not two
    assert len(fetches) == 2 and (streamed + tail.data).endswith(b"data: [DONE]\n\n")


# --- streams and keep-alives --------------------------------------------------------------------


def test_a_stream_is_relayed_and_a_failure_half_way_ends_it_with_an_error_event():
    upstream = Upstream(("stream", [sse(chunk("par")), ConnectionError]))
    call = new_call()
    tail, streamed = run(call, upstream, STREAM)
    assert isinstance(tail, Tail) and b'"content":"par"' in streamed
    assert b'"code":"upstream_error"' in tail.data and tail.data.endswith(b"data: [DONE]\n\n")
    call.finish(NOW)
    assert call.log["stream_error"] == "upstream_error"


def test_a_keep_alive_tick_begins_the_stream_and_a_later_error_is_its_closing_event():
    call = new_call(headers={"authorization": f"Bearer {KEY1}"})
    call.start()
    fetch = call.body(STREAM)
    assert fetch.keepalive == 15.0
    tick = call.tick(NOW)
    assert tick.head.status == 200 and dict(tick.head.headers)["content-type"].startswith("text/event-stream")
    assert tick.data == b": keep-alive\n\n" and call.tick(NOW).head is None
    attempt = call.attempt(0, NOW)
    assert attempt is not None
    call.answered(0, 429, [], error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded."), NOW)
    assert call.attempt(0, NOW) is None
    tail = call.next(NOW)
    assert isinstance(tail, Tail) and b'"type":"rate_limit_error"' in tail.data and tail.data.endswith(b"[DONE]\n\n")


def test_after_a_tick_the_stream_opens_without_a_second_head():
    call = new_call()
    call.start()
    call.body(STREAM)
    call.tick(NOW)
    call.attempt(0, NOW)
    call.streaming(0, [], NOW)
    assert call.attempt(0, NOW) is None
    stream = call.next(NOW)
    assert isinstance(stream, Stream) and stream.headers is None


def test_keep_alives_are_off_for_gemini_s_own_streams_and_when_set_to_zero():
    call = new_call(method="POST", target="/v1beta/models/gemini-3.8-flash:streamGenerateContent?alt=sse",
                    headers={"x-goog-api-key": KEY1})
    call.start()
    assert call.body(b"{}").keepalive == 0
    call = new_call(stream_keepalive=0.0)
    call.start()
    assert call.body(STREAM).keepalive == 0


# --- secrets ------------------------------------------------------------------------------------


SUSPENDED = error_body(403, "PERMISSION_DENIED", f"Consumer 'api_key:{KEY1}' has been suspended.")


def test_a_key_gemini_quotes_never_reaches_the_client():
    answer, _ = run(new_call(Instance(Settings(api_keys=(KEY1,), auth_tokens=(TOKEN,))), headers={"authorization": f"Bearer {TOKEN}"}),
                    Upstream(("answer", 403, SUSPENDED)), CHAT)
    assert answer.status == 403 and KEY1.encode() not in answer.body and b"[redacted]" in answer.body
    call = new_call(Instance(Settings(api_keys=(KEY1,), auth_tokens=(TOKEN,))), headers={"authorization": f"Bearer {TOKEN}"})
    assert KEY1 not in call.log.get("message", "")


def test_a_key_in_a_mid_stream_error_is_scrubbed():
    event = sse({"error": {"code": 403, "status": "PERMISSION_DENIED", "message": f"Consumer 'api_key:{KEY1}' has been suspended."}})
    tail, streamed = run(new_call(), Upstream(("stream", [sse(chunk("a")), event])), STREAM)
    assert KEY1.encode() not in streamed + tail.data and b"[redacted]" in streamed + tail.data


def test_a_native_answer_is_scrubbed_even_when_the_key_is_split_across_chunks():
    instance = Instance(Settings(api_keys=(KEY1,), auth_tokens=(TOKEN,)))
    answer, _ = run(new_call(instance, method="GET", target="/v1beta/models", headers={"x-goog-api-key": TOKEN}),
                    Upstream(("answer", 403, SUSPENDED, {"x-debug": KEY1})))
    assert answer.status == 403 and KEY1.encode() not in answer.body and KEY1 not in str(answer.headers)
    body = b'data: {"error": {"message": "Consumer api_key:' + KEY1.encode() + b' has been suspended."}}\n\n'
    pieces = [body[:40], body[40:60], body[60:]]
    instance = Instance(Settings(api_keys=(KEY1,), auth_tokens=(TOKEN,)))  # the 403 set the key aside: a fresh pool
    call = new_call(instance, target="/v1beta/models/gemini-3.8-flash:streamGenerateContent?alt=sse", headers={"x-goog-api-key": TOKEN})
    tail, streamed = run(call, Upstream(("stream", pieces)), b"{}")
    assert KEY1.encode() not in streamed + tail.data and (streamed + tail.data).count(b"[redacted]") == 1


# --- native -------------------------------------------------------------------------------------


def test_a_native_call_is_forwarded_with_a_pool_key_and_gemini_s_answer_relayed():
    instance = Instance(Settings(api_keys=(KEY1, KEY2), auth_tokens=(TOKEN,)))
    upstream = Upstream(("answer", 429, error_body(429, "RESOURCE_EXHAUSTED", "Slow.")), ("answer", 404, b'{"error": {"code": 404}}'))
    answer, _ = run(new_call(instance, method="GET", target="/v1beta/models/nope", headers={"x-goog-api-key": TOKEN}), upstream)
    assert answer.status == 404 and answer.body == b'{"error": {"code": 404}}'  # Gemini's last word, as it said it
    assert [s["headers"]["x-goog-api-key"] for s in upstream.sent] == [KEY1, KEY2]


def test_a_native_call_outside_the_token_scope_never_leaves():
    instance = Instance(Settings(api_keys=(KEY1,), auth_tokens=(TOKEN,)))
    answer = new_call(instance, method="GET", target="/v1beta/files", headers={"x-goog-api-key": TOKEN}).start()
    assert answer.status == 403 and envelope(answer)["status"] == "PERMISSION_DENIED"
    opened = Instance(Settings(api_keys=(KEY1,), auth_tokens=(TOKEN,), native_scope="all"))
    assert isinstance(new_call(opened, method="GET", target="/v1beta/files", headers={"x-goog-api-key": TOKEN}).start(), Fetch)


# --- out of order ---------------------------------------------------------------------------------


def test_steps_out_of_order_raise_a_clear_error():
    call = new_call()
    with pytest.raises(CallStateError, match="body"):
        call.body(b"{}")
    call.start()
    with pytest.raises(CallStateError, match="attempt"):
        call.attempt(0, NOW)
    fetch = call.body(CHAT)
    assert isinstance(fetch, Fetch)
    with pytest.raises(CallStateError, match="not settled"):
        call.next(NOW)
    with pytest.raises(CallStateError, match="no attempt in flight"):
        call.answered(0, 200, [], text_answer(), NOW)
    call.attempt(0, NOW)
    with pytest.raises(CallStateError, match="not been reported"):
        call.attempt(0, NOW)
    with pytest.raises(CallStateError, match="feed"):
        call.feed(b"")


def test_a_bug_is_a_clean_500_that_the_log_line_locates(monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("oops")

    monkeypatch.setattr(core.exchange, "_chat_response_from_gemini", broken)
    call = new_call()
    answer, _ = run(call, Upstream(("answer", 200, text_answer())), CHAT)
    assert answer.status == 500 and "req1" in envelope(answer)["message"] and "oops" not in envelope(answer)["message"]
    assert call.log["exception"].startswith("KeyError: 'oops'")


def test_a_client_that_left_is_logged_as_such():
    call = new_call()
    call.start()
    call.gone()
    _, fields = call.finish(NOW + 1)
    assert fields["status"] == 499 and fields["disconnected"] and fields["ms"] == 1000.0


# --- fitting and the pool -------------------------------------------------------------------------

# A real refusal (earendil-works/pi#9455, WritingTools#282): the model takes no MINIMAL level.
NO_MINIMAL = error_body(400, "INVALID_ARGUMENT",
                        "Thinking level MINIMAL is not supported for this model. Please retry with other thinking level.")


def thinking_chat(model: str, **extra: Any) -> bytes:
    return json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}], **extra}).encode()


def test_a_level_the_gateway_chose_and_gemini_refused_is_corrected_once_and_remembered():
    instance = Instance(Settings())
    upstream = Upstream(("answer", 400, NO_MINIMAL), ("answer", 200, text_answer()))
    call = new_call(instance)
    answer, _ = run(call, upstream, thinking_chat("gemini-3-flash-preview", reasoning_effort="minimal"))
    levels = [json.loads(s["body"])["generationConfig"]["thinkingConfig"]["thinkingLevel"] for s in upstream.sent]
    assert answer.status == 200 and levels == ["minimal", "low"]
    assert [s["headers"]["x-goog-api-key"] for s in upstream.sent] == [KEY1, KEY1]  # the same key: it was not the key's fault
    assert call.log["corrected"] and "minimal" in call.log["corrected"][0]
    # the next request to that model is fitted before it is sent
    upstream = Upstream(("answer", 200, text_answer()))
    run(new_call(instance), upstream, thinking_chat("gemini-3-flash-preview", reasoning_effort="minimal"))
    assert json.loads(upstream.sent[0]["body"])["generationConfig"]["thinkingConfig"]["thinkingLevel"] == "low"


def test_a_level_the_client_set_in_google_s_terms_stays_the_client_s_400():
    upstream = Upstream(("answer", 400, NO_MINIMAL), ("answer", 200, text_answer()))
    body = thinking_chat("gemini-3-flash-preview", extra_body={"google": {"thinking_config": {"thinking_level": "minimal"}}})
    answer, _ = run(new_call(), upstream, body)
    assert answer.status == 400 and "MINIMAL" in envelope(answer)["message"] and len(upstream.sent) == 1


def test_a_correction_is_made_once_never_in_a_loop():
    upstream = Upstream(("answer", 400, NO_MINIMAL), ("answer", 400, NO_MINIMAL), ("answer", 200, text_answer()))
    answer, _ = run(new_call(), upstream, thinking_chat("gemini-3-flash-preview", reasoning_effort="minimal"))
    assert answer.status == 400 and len(upstream.sent) == 2


DAILY = error_body(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", details=[
    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
         "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
         "quotaDimensions": {"location": "global", "model": "gemini-3.8-flash"}, "quotaValue": "250"}]},
    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0s"}])


def test_a_daily_quota_rests_the_key_for_that_model_only_and_the_pool_says_when_it_is_back():
    instance = Instance(Settings())
    call = new_call(instance)
    answer, _ = run(call, Upstream(("answer", 429, DAILY)), thinking_chat("gemini-3.8-flash"))
    assert answer.status == 429 and "GenerateRequestsPerDayPerProjectPerModel-FreeTier" in call.log["keys"][0]
    assert KEY1 not in json.dumps(call.log)
    # the same model, a second later: not sent, a 429 that says when
    upstream = Upstream(("answer", 200, text_answer()))
    answer, _ = run(new_call(instance), upstream, thinking_chat("gemini-3.8-flash"))
    retry_after = int(dict(answer.headers)["retry-after"])
    assert answer.status == 429 and upstream.sent == [] and 3600 < retry_after <= 86400
    # another model still goes
    answer, _ = run(new_call(instance), upstream, thinking_chat("gemini-3.1-pro-preview"))
    assert answer.status == 200 and len(upstream.sent) == 1


# --- the key pool's panel ---------------------------------------------------------------------------

BAD_KEY = error_body(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                     details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}])


def test_the_key_pool_is_shown_to_token_holders_by_position_and_checked_on_demand():
    instance = Instance(Settings(api_keys=(KEY1, KEY2, KEY3), auth_tokens=(TOKEN,)))
    token = {"authorization": f"Bearer {TOKEN}"}
    assert new_call(instance, method="GET", target="/v1/gateway/keys", headers={"authorization": "Bearer wrong"}).start().status == 401
    assert new_call(Instance(Settings()), method="GET", target="/v1/gateway/keys").start().status == 404  # pass-through: no pool
    shown = new_call(instance, method="GET", target="/v1/gateway/keys", headers=token).start()
    assert [k["state"] for k in json.loads(shown.body)["keys"]] == ["ok", "ok", "ok"]
    upstream = Upstream(("answer", 200, b'{"models": []}'), ("answer", 400, BAD_KEY), ("unreachable",))
    checked, _ = run(new_call(instance, method="POST", target="/v1/gateway/keys/check", headers=token), upstream)
    assert [s["headers"]["x-goog-api-key"] for s in upstream.sent] == [KEY1, KEY2, KEY3]  # each key once, none retried
    assert all(s["target"] == "/v1beta/models?pageSize=1" for s in upstream.sent)
    keys = json.loads(checked.body)["keys"]
    assert [(k["position"], k["state"]) for k in keys] == [(1, "ok"), (2, "invalid"), (3, "ok")]
    assert keys[1]["until"] > NOW and keys[1]["note"]
    assert not any(key in checked.body.decode() for key in (KEY1, KEY2, KEY3))


# --- state that lives with one key --------------------------------------------------------------------


def test_an_exchange_can_pin_its_key_and_learns_which_key_answered(monkeypatch):
    seen: list[int] = []
    monkeypatch.setattr(core.exchange.ChatExchange, "keyed", lambda self, position, tag: seen.append((position, tag)))
    keys = {"authorization": f"Bearer {KEY1},{KEY2},{KEY3}"}
    run(new_call(headers=keys), Upstream(("answer", 429, error_body(429, "RESOURCE_EXHAUSTED", "Slow.")),
                                         ("answer", 200, text_answer())), CHAT)
    assert seen == [(1, key_tag(KEY2))]  # the second key answered: the exchange hears its position and fingerprint
    monkeypatch.setattr(core.exchange.ChatExchange, "key_position", 2)
    upstream = Upstream(("answer", 429, error_body(429, "RESOURCE_EXHAUSTED", "Slow.")), ("answer", 200, text_answer()))
    answer, _ = run(new_call(headers=keys), upstream, CHAT)
    assert answer.status == 429 and [s["headers"]["x-goog-api-key"] for s in upstream.sent] == [KEY3]  # that key only
    monkeypatch.setattr(core.exchange.ChatExchange, "key_position", 7)
    answer, _ = run(new_call(headers=keys), Upstream(), CHAT)
    assert answer.status == 404 and "no longer in this gateway's key pool" in envelope(answer)["message"]


# --- a shell without an MP3 encoder -------------------------------------------------------------


@pytest.mark.parametrize("fmt, refused", [(None, True), ("mp3", True), ("wav", False), ("pcm", False)])
def test_a_shell_without_an_mp3_encoder_refuses_mp3_before_gemini_speaks(fmt, refused):
    instance = Instance(Settings(), platform="cloudflare", encoders=frozenset())
    body = {"model": "tts-1", "voice": "alloy", "input": "hello", **({"response_format": fmt} if fmt else {})}
    call = new_call(instance, target="/v1/audio/speech")
    assert isinstance(call.start(), ReadBody)
    action = call.body(json.dumps(body).encode())
    if refused:
        assert isinstance(action, Answer) and action.status == 400
        assert envelope(action) == {"message": "'response_format' 'mp3' cannot be encoded on this deployment. Use one of: wav, pcm.",
                                    "type": "invalid_request_error", "param": "response_format", "code": "unsupported_value"}
    else:
        assert isinstance(action, Fetch)  # the core writes WAV and PCM itself
def test_a_pinned_key_is_found_by_its_fingerprint_wherever_the_pool_put_it(monkeypatch):
    monkeypatch.setattr(core.exchange.ChatExchange, "key_position", 0)
    monkeypatch.setattr(core.exchange.ChatExchange, "key_tag", key_tag(KEY3))
    upstream = Upstream(("answer", 200, text_answer()))
    call = new_call(headers={"authorization": f"Bearer {KEY1},{KEY2},{KEY3}"})
    answer, _ = run(call, upstream, CHAT)
    assert answer.status == 200 and [s["headers"]["x-goog-api-key"] for s in upstream.sent] == [KEY3]
    assert call.log["keys"] == ["the key that holds this response moved from position 1 to 3"]
    monkeypatch.setattr(core.exchange.ChatExchange, "key_tag", key_tag("AIzaSyAKeyThatIsNotInThePool0000000000"))
    upstream = Upstream()
    answer, _ = run(new_call(headers={"authorization": f"Bearer {KEY1},{KEY2},{KEY3}"}), upstream, CHAT)
    assert answer.status == 404 and upstream.sent == []  # never a call with another project's key


def test_a_pinned_exchange_s_404_is_about_its_state_and_a_delete_may_answer_no_body(monkeypatch):
    monkeypatch.setattr(core.exchange.ChatExchange, "key_position", 0)
    gone = error_body(404, "NOT_FOUND", "Interaction v1_x was not found.")
    answer, _ = run(new_call(), Upstream(("answer", 404, gone)), CHAT)
    assert answer.status == 404 and envelope(answer)["message"] == "Interaction v1_x was not found."
    assert envelope(answer)["code"] != "model_not_found"
    from core.response_ids import stored_response_id

    target = f"/v1/responses/{stored_response_id('v1_x', 0, key_tag(KEY1))}"
    answer, _ = run(new_call(method="DELETE", target=target), Upstream(("answer", 200, b"")))
    assert answer.status == 200 and json.loads(answer.body)["deleted"] is True
    answer, _ = run(new_call(method="GET", target=target), Upstream(("answer", 200, b"")))
    assert answer.status == 502  # any other empty answer is still not JSON
