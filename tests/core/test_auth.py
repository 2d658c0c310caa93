"""Pass-through keys, server-held keys behind AUTH_TOKEN, and failing closed."""

from __future__ import annotations

import pytest

from core.auth import upstream_keys
from core.config import Settings
from core.errors import AuthenticationError, ConfigError

PASS_THROUGH = Settings()
SERVER = Settings(api_keys=("g1", "g2"), auth_tokens=("tok-a", "tok-b"))


@pytest.mark.parametrize(("headers", "query", "expected"), [
    ({"authorization": "Bearer AIza1"}, {}, ("AIza1",)),
    ({"authorization": "bearer AIza1, AIza2 ,AIza1"}, {}, ("AIza1", "AIza2")),
    ({"authorization": "AIza1"}, {}, ("AIza1",)),
    ({"x-goog-api-key": "AIza3"}, {}, ("AIza3",)),
    ({"api-key": "AIza4"}, {}, ("AIza4",)),
    ({"x-api-key": "AIza6"}, {}, ("AIza6",)),  # Anthropic's SDKs; Claude Code's ANTHROPIC_API_KEY
    ({}, {"key": "AIza5"}, ("AIza5",)),
])
def test_pass_through_uses_the_clients_keys(headers, query, expected):
    assert upstream_keys(headers, query, PASS_THROUGH) == expected


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer "}, {"authorization": "Basic dXNlcg== x"},
                                     {"authorization": "Bearer ,"}, {"authorization": "Bearer  , ,"}, {"x-goog-api-key": ","}])
def test_pass_through_without_a_key_is_401(headers):
    with pytest.raises(AuthenticationError) as caught:
        upstream_keys(headers, {}, PASS_THROUGH)
    assert caught.value.status == 401


@pytest.mark.parametrize("key", ["caf\xe9", "k\xe9y,AIzaGood", "a\nb", "tab\tkey", "\x00"])
def test_a_key_no_http_header_can_carry_is_401_not_a_crash(key):
    with pytest.raises(AuthenticationError) as caught:
        upstream_keys({"x-goog-api-key": key}, {}, PASS_THROUGH)
    assert "printable ASCII" in caught.value.message and key not in caught.value.message


def test_server_keys_need_a_valid_token_which_never_goes_upstream():
    assert upstream_keys({"authorization": "Bearer tok-b"}, {}, SERVER) == ("g1", "g2")
    assert upstream_keys({}, {"key": "tok-a"}, SERVER) == ("g1", "g2")
    assert upstream_keys({"x-api-key": "tok-a"}, {}, SERVER) == ("g1", "g2")
    for headers in ({}, {"authorization": "Bearer tok-c"}, {"authorization": "Bearer g1"}, {"authorization": "Bearer tok-a,tok-b"}):
        with pytest.raises(AuthenticationError) as caught:
            upstream_keys(headers, {}, SERVER)
        assert "tok-" not in caught.value.message and "g1" not in caught.value.message


def test_server_keys_without_a_token_fail_closed_and_say_how_to_fix_it():
    with pytest.raises(ConfigError) as caught:
        upstream_keys({"authorization": "Bearer anything"}, {}, Settings(api_keys=("g1",)))
    error = caught.value
    assert error.status == 500 and error.variable == "AUTH_TOKEN"
    assert "Set AUTH_TOKEN" in error.message and "g1" not in error.message
