"""The shell's fast JSON (adapters/jsonfast.py) reads a client's body exactly as the core's strict
standard-library parser does: the same value, or the same 400 in the same words."""

from __future__ import annotations

import asyncio
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.jsonfast import CODEC, strict_loads
from core.errors import InvalidRequestError
from core.jsontext import parse_request_body
from tests.adapters.test_app import FakeClient, call, gateway

# What orjson and the standard library read differently, or refuse differently: long integers (orjson
# makes floats of them), numbers beyond a double, NaN and Infinity, lone and paired surrogate escapes,
# invalid UTF-8, a byte-order mark, control characters, deep nesting.
ATOMS = ['1', '-0', '0.1', '1e308', '1e400', '-1e999', '2.5e-400', '12345678901234567890123', '-9223372036854775809',
         '18446744073709551615', 'NaN', '-Infinity', 'true', 'null', '"x"', '"\\ud800"', '"\\udfff x"', '"\\ud83d\\ude00"',
         '"\\u0000"', '"é"', '[]', '{}']
atoms = st.sampled_from([atom.encode() for atom in ATOMS]) | st.sampled_from([b'"\xff"', b'"a\x01b"', b'\x01'])


def _object(items: list[bytes]) -> bytes:
    return b"{" + b",".join(b'"k' + str(i).encode() + b'":' + value for i, value in enumerate(items)) + b"}"


values = st.recursive(atoms, lambda inner: st.lists(inner, max_size=3).map(lambda items: b"[" + b",".join(items) + b"]")
                      | st.lists(inner, max_size=3).map(_object), max_leaves=8)
bodies = values.map(lambda value: b'{"a":' + value + b"}") | values | st.sampled_from(
    [b"\xef\xbb\xbf{}", b"[" * 250 + b"]" * 250, b"[" * 1100 + b"]" * 1100, b" {} ", b"{} x"])


def parsed(raw: bytes, strict) -> tuple:
    try:
        return ("value", parse_request_body(raw, strict))
    except InvalidRequestError as error:
        return ("refused", error.message, error.param, error.code)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_the_fast_parser_reads_every_body_as_the_strict_standard_library_does(raw):
    fast, stdlib = parsed(raw, strict_loads), parsed(raw, None)
    assert repr(fast) == repr(stdlib)  # repr: a float for an int, or -0.0 for 0, would compare equal


def test_the_gateway_passes_its_fast_parser_to_the_call():
    assert CODEC.strict_loads is strict_loads


def test_a_number_beyond_a_double_is_a_400_not_infinity():
    upstream = FakeClient()
    body = b'{"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi \\ud800"}], "seed": 1e400}'
    status, _, content = asyncio.run(call(gateway(upstream), "POST", "/v1/chat/completions",
                                          headers=[("authorization", "Bearer AIza-client")], body=body))
    assert status == 400 and upstream.seen == []
    assert "1e400 is beyond the range of a 64-bit float" in json.loads(content)["error"]["message"]
